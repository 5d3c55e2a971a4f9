/**
 * DynamoDB expressions for the local DynamoDB: condition and filter expressions, key conditions,
 * update expressions and projections, parsed into small trees with the `#name` and `:value`
 * placeholders already resolved (every placeholder given must be used, and every one used must
 * be given, as DynamoDB checks), then evaluated against items.
 */
import { addNumbers, compareValues, invalid, setOf, typeOf, valuesEqual, type AttributeValue, type Item, type TypeName, TYPE_NAMES } from './values';

/** A document path: attribute names and list indexes. */
export type Path = ReadonlyArray<string | number>;

export type Operand = { kind: 'path'; path: Path } | { kind: 'value'; value: AttributeValue } | { kind: 'size'; path: Path };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'exists' | 'not_exists'; path: Path }
  | { kind: 'type'; path: Path; type: Operand }
  | { kind: 'begins_with' | 'contains'; left: Operand; right: Operand };

export type SetValue =
  | Operand
  | { kind: 'plus' | 'minus'; left: SetValue; right: SetValue }
  | { kind: 'if_not_exists'; path: Path; fallback: SetValue }
  | { kind: 'list_append'; left: SetValue; right: SetValue };

export interface Update {
  readonly set: ReadonlyArray<{ path: Path; value: SetValue }>;
  readonly remove: readonly Path[];
  readonly add: ReadonlyArray<{ path: Path; value: AttributeValue }>;
  readonly delete: ReadonlyArray<{ path: Path; value: AttributeValue }>;
}

/** The placeholders of one request, with what used them. */
export class Placeholders {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();
  constructor(
    private readonly names: Record<string, string> | undefined,
    private readonly values: Record<string, AttributeValue> | undefined,
  ) {}
  name(token: string): string {
    const n = this.names?.[token];
    if (n === undefined) throw invalid(`Value provided in ExpressionAttributeNames unused in expressions or an expression attribute name used in an expression is not defined; attribute name: ${token}`);
    this.usedNames.add(token);
    return n;
  }
  value(token: string): AttributeValue {
    const v = this.values?.[token];
    if (v === undefined) throw invalid(`An expression attribute value used in expression is not defined; attribute value: ${token}`);
    this.usedValues.add(token);
    return v;
  }
  /** After every expression of the request is parsed: nothing given may go unused. */
  checkAllUsed(): void {
    const names = Object.keys(this.names ?? {}).filter((n) => !this.usedNames.has(n));
    if (names.length > 0) throw invalid(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`);
    const values = Object.keys(this.values ?? {}).filter((v) => !this.usedValues.has(v));
    if (values.length > 0) throw invalid(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`);
  }
}

// ---- tokens

type Token = { t: 'name' | 'hash' | 'colon' | 'num' | 'punct' | 'end'; v: string; at: number };

const PUNCT = ['<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', '[', ']', '+', '-'];

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ t: 'name', v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const placeholder = /^([#:])[A-Za-z0-9_]+/.exec(text.slice(i));
    if (placeholder) {
      tokens.push({ t: placeholder[1] === '#' ? 'hash' : 'colon', v: placeholder[0], at: i });
      i += placeholder[0].length;
      continue;
    }
    const num = /^\d+/.exec(text.slice(i));
    if (num) {
      tokens.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const p = PUNCT.find((x) => text.startsWith(x, i));
    if (!p) throw invalid(`Invalid ${what}: Syntax error; token: "${c}", near: "${text.slice(Math.max(0, i - 5), i + 5)}"`);
    tokens.push({ t: 'punct', v: p, at: i });
    i += p.length;
  }
  tokens.push({ t: 'end', v: '', at: text.length });
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(
    private readonly text: string,
    private readonly what: string,
    private readonly ph: Placeholders,
  ) {
    if (text.trim() === '') throw invalid(`Invalid ${what}: The expression can not be empty;`);
    this.tokens = tokenize(text, what);
  }
  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    this.pos += 1;
    return t;
  }
  fail(message?: string): never {
    const t = this.peek();
    throw invalid(`Invalid ${this.what}: ${message ?? `Syntax error; token: "${t.t === 'end' ? '<EOF>' : t.v}", near: "${this.text.slice(Math.max(0, t.at - 8), t.at + 8)}"`}`);
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'name' && t.v.toUpperCase() === word;
  }
  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'punct' && t.v === p;
  }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail();
    this.pos += 1;
  }
  private expectWord(word: string): void {
    if (!this.isWord(word)) this.fail();
    this.pos += 1;
  }
  end(): void {
    if (this.peek().t !== 'end') this.fail();
  }

  /** Whether the '(' at `offset` closes right before the ')' that closes the one before it. */
  private closesRight(offset: number): boolean {
    let depth = 0;
    for (let i = this.pos + offset; i < this.tokens.length; i++) {
      const t = this.tokens[i] as Token;
      if (t.t === 'punct' && t.v === '(') depth += 1;
      else if (t.t === 'punct' && t.v === ')') {
        depth -= 1;
        if (depth === 0) {
          const after = this.tokens[i + 1];
          return after?.t === 'punct' && after.v === ')';
        }
      }
    }
    return false;
  }

  // path := element ('.' element | '[' n ']')*
  path(): Path {
    const out: Array<string | number> = [this.element()];
    for (;;) {
      if (this.isPunct('.')) {
        this.pos += 1;
        out.push(this.element());
      } else if (this.isPunct('[')) {
        this.pos += 1;
        const n = this.next();
        if (n.t !== 'num') this.fail('List index must be a non-negative integer');
        out.push(Number(n.v));
        this.expectPunct(']');
      } else return out;
    }
  }
  private element(): string {
    const t = this.next();
    if (t.t === 'hash') return this.ph.name(t.v);
    if (t.t === 'name') return t.v;
    this.pos -= 1;
    return this.fail();
  }

  // operand := path | :value | size(path)
  operand(): Operand {
    const t = this.peek();
    if (t.t === 'colon') {
      this.pos += 1;
      return { kind: 'value', value: this.ph.value(t.v) };
    }
    if (t.t === 'name' && t.v === 'size' && this.isPunct('(', 1)) {
      this.pos += 2;
      const path = this.path();
      this.expectPunct(')');
      return { kind: 'size', path };
    }
    if (t.t === 'name' && this.isPunct('(', 1)) this.fail(`Invalid function name; function: ${t.v}`);
    return { kind: 'path', path: this.path() };
  }

  // condition := or; or := and (OR and)*; and := not (AND not)*; not := NOT not | primary
  condition(): Condition {
    let left = this.and();
    while (this.isWord('OR')) {
      this.pos += 1;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Condition {
    let left = this.not();
    while (this.isWord('AND')) {
      this.pos += 1;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): Condition {
    if (this.isWord('NOT')) {
      this.pos += 1;
      return { kind: 'not', operand: this.not() };
    }
    return this.primary();
  }
  private primary(): Condition {
    if (this.isPunct('(')) {
      if (this.isPunct('(', 1) && this.closesRight(1)) this.fail('The expression has redundant parentheses;');
      this.pos += 1;
      const c = this.condition();
      this.expectPunct(')');
      return c;
    }
    const t = this.peek();
    if (t.t === 'name' && this.isPunct('(', 1) && t.v !== 'size') {
      this.pos += 2;
      switch (t.v) {
        case 'attribute_exists':
        case 'attribute_not_exists': {
          const path = this.path();
          this.expectPunct(')');
          return { kind: t.v === 'attribute_exists' ? 'exists' : 'not_exists', path };
        }
        case 'attribute_type': {
          const path = this.path();
          this.expectPunct(',');
          const type = this.operand();
          this.expectPunct(')');
          return { kind: 'type', path, type };
        }
        case 'begins_with':
        case 'contains': {
          const left = this.operand();
          this.expectPunct(',');
          const right = this.operand();
          this.expectPunct(')');
          return { kind: t.v, left, right };
        }
        default:
          this.pos -= 2;
          return this.fail(`Invalid function name; function: ${t.v}`);
      }
    }
    const left = this.operand();
    if (this.isWord('BETWEEN')) {
      this.pos += 1;
      const low = this.operand();
      this.expectWord('AND');
      return { kind: 'between', operand: left, low, high: this.operand() };
    }
    if (this.isWord('IN')) {
      this.pos += 1;
      this.expectPunct('(');
      const list = [this.operand()];
      while (this.isPunct(',')) {
        this.pos += 1;
        list.push(this.operand());
      }
      this.expectPunct(')');
      if (list.length > 100) this.fail('The IN operator takes at most 100 operands');
      return { kind: 'in', operand: left, list };
    }
    const op = this.peek();
    if (op.t === 'punct' && ['=', '<>', '<', '<=', '>', '>='].includes(op.v)) {
      this.pos += 1;
      const right = this.operand();
      if (sameOperand(left, right)) this.fail(`The first operand must be distinct from the remaining operands for this operator or function; operator: ${op.v}`);
      return { kind: 'compare', op: op.v as '=' | '<>' | '<' | '<=' | '>' | '>=', left, right };
    }
    return this.fail();
  }

  // update := (SET a, ... | REMOVE p, ... | ADD p v, ... | DELETE p v, ...)+
  update(): Update {
    const out = { set: [] as Array<{ path: Path; value: SetValue }>, remove: [] as Path[], add: [] as Array<{ path: Path; value: AttributeValue }>, delete: [] as Array<{ path: Path; value: AttributeValue }> };
    const seen = new Set<string>();
    while (this.peek().t !== 'end') {
      const t = this.next();
      const clause = t.t === 'name' ? t.v.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause)) {
        this.pos -= 1;
        this.fail();
      }
      if (seen.has(clause)) this.fail(`The "${clause}" section can only be used once in an update expression;`);
      seen.add(clause);
      for (;;) {
        const path = this.path();
        if (clause === 'SET') {
          this.expectPunct('=');
          out.set.push({ path, value: this.setValue() });
        } else if (clause === 'REMOVE') out.remove.push(path);
        else {
          const v = this.next();
          if (v.t !== 'colon') {
            this.pos -= 1;
            this.fail();
          }
          out[clause === 'ADD' ? 'add' : 'delete'].push({ path, value: this.ph.value(v.v) });
        }
        if (!this.isPunct(',')) break;
        this.pos += 1;
      }
    }
    return out;
  }
  private setValue(): SetValue {
    const left = this.setOperand();
    if (this.isPunct('+') || this.isPunct('-')) {
      const kind = this.next().v === '+' ? 'plus' : 'minus';
      return { kind, left, right: this.setOperand() };
    }
    return left;
  }
  private setOperand(): SetValue {
    const t = this.peek();
    if (t.t === 'name' && this.isPunct('(', 1)) {
      if (t.v === 'if_not_exists') {
        this.pos += 2;
        const path = this.path();
        this.expectPunct(',');
        const fallback = this.setValue();
        this.expectPunct(')');
        return { kind: 'if_not_exists', path, fallback };
      }
      if (t.v === 'list_append') {
        this.pos += 2;
        const left = this.setValue();
        this.expectPunct(',');
        const right = this.setValue();
        this.expectPunct(')');
        return { kind: 'list_append', left, right };
      }
      this.fail(`Invalid function name; function: ${t.v}`);
    }
    const o = this.operand();
    if (o.kind === 'size') this.fail('The function is not allowed to be used this way in an expression; function: size');
    return o;
  }
  projection(): Path[] {
    const out = [this.path()];
    while (this.isPunct(',')) {
      this.pos += 1;
      out.push(this.path());
    }
    return out;
  }
}

function sameOperand(a: Operand, b: Operand): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'value') return false;
  return (a as { path: Path }).path.join('\u0000') === (b as { path: Path }).path.join('\u0000');
}

/** The document paths a condition reads. */
export function pathsOf(c: Condition): Path[] {
  const fromOperand = (o: Operand): Path[] => (o.kind === 'value' ? [] : [o.path]);
  switch (c.kind) {
    case 'and':
    case 'or':
      return [...pathsOf(c.left), ...pathsOf(c.right)];
    case 'not':
      return pathsOf(c.operand);
    case 'compare':
    case 'begins_with':
    case 'contains':
      return [...fromOperand(c.left), ...fromOperand(c.right)];
    case 'between':
      return [c.operand, c.low, c.high].flatMap(fromOperand);
    case 'in':
      return [c.operand, ...c.list].flatMap(fromOperand);
    case 'exists':
    case 'not_exists':
    case 'type':
      return [c.path];
  }
}

/** Refuses paths of which one is another or inside another (DynamoDB's "overlap"). */
function checkOverlap(paths: readonly Path[], what: string): void {
  const text = paths.map((p) => p.map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`)).join('').slice(1));
  for (let i = 0; i < text.length; i++) {
    for (let j = i + 1; j < text.length; j++) {
      const a = text[i] as string;
      const b = text[j] as string;
      if (a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`)) throw invalid(`Invalid ${what}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${a}], path two: [${b}]`);
    }
  }
}

export function parseCondition(text: string, what: string, ph: Placeholders): Condition {
  const p = new Parser(text, what, ph);
  const c = p.condition();
  p.end();
  return c;
}

export function parseUpdate(text: string, ph: Placeholders): Update {
  const p = new Parser(text, 'UpdateExpression', ph);
  const u = p.update();
  p.end();
  checkOverlap(updatedPaths(u), 'UpdateExpression');
  return u;
}

/** Every path an update writes or removes. */
export function updatedPaths(u: Update): Path[] {
  return [...u.set.map((s) => s.path), ...u.remove, ...u.add.map((a) => a.path), ...u.delete.map((d) => d.path)];
}

export function parseProjection(text: string, ph: Placeholders): Path[] {
  const p = new Parser(text, 'ProjectionExpression', ph);
  const paths = p.projection();
  p.end();
  checkOverlap(paths, 'ProjectionExpression');
  return paths;
}

// ---- evaluation

export function resolvePath(item: Item, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = item[path[0] as string];
  for (const step of path.slice(1)) {
    if (current === undefined) return undefined;
    if (typeof step === 'number') current = 'L' in current ? current.L[step] : undefined;
    else current = 'M' in current ? current.M[step] : undefined;
  }
  return current;
}

function operandValue(item: Item, o: Operand): AttributeValue | undefined {
  if (o.kind === 'value') return o.value;
  const v = resolvePath(item, o.path);
  if (o.kind === 'path') return v;
  if (v === undefined) return undefined;
  if ('S' in v) return { N: String([...Buffer.from(v.S)].length) };
  if ('B' in v) return { N: String(Buffer.from(v.B, 'base64').length) };
  if ('SS' in v) return { N: String(v.SS.length) };
  if ('NS' in v) return { N: String(v.NS.length) };
  if ('BS' in v) return { N: String(v.BS.length) };
  if ('L' in v) return { N: String(v.L.length) };
  if ('M' in v) return { N: String(Object.keys(v.M).length) };
  return undefined;
}

export function evaluate(item: Item, c: Condition): boolean {
  switch (c.kind) {
    case 'and':
      return evaluate(item, c.left) && evaluate(item, c.right);
    case 'or':
      return evaluate(item, c.left) || evaluate(item, c.right);
    case 'not':
      return !evaluate(item, c.operand);
    case 'exists':
      return resolvePath(item, c.path) !== undefined;
    case 'not_exists':
      return resolvePath(item, c.path) === undefined;
    case 'type': {
      const v = resolvePath(item, c.path);
      const t = operandValue(item, c.type);
      if (!t || !('S' in t) || !TYPE_NAMES.includes(t.S as TypeName)) throw invalid(`Invalid ConditionExpression: Invalid attribute type name found; type: ${t && 'S' in t ? t.S : '?'}, valid types: {${TYPE_NAMES.join(',')}}`);
      return v !== undefined && typeOf(v) === t.S;
    }
    case 'begins_with': {
      const a = operandValue(item, c.left);
      const b = operandValue(item, c.right);
      if (!a || !b) return false;
      if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
      if ('B' in a && 'B' in b) return Buffer.from(a.B, 'base64').subarray(0, Buffer.from(b.B, 'base64').length).equals(Buffer.from(b.B, 'base64'));
      return false;
    }
    case 'contains': {
      const a = operandValue(item, c.left);
      const b = operandValue(item, c.right);
      if (!a || !b) return false;
      if ('S' in a && 'S' in b) return a.S.includes(b.S);
      if ('B' in a && 'B' in b) return Buffer.from(a.B, 'base64').includes(Buffer.from(b.B, 'base64'));
      if ('L' in a) return a.L.some((x) => valuesEqual(x, b));
      if (('SS' in a && 'S' in b) || ('NS' in a && 'N' in b) || ('BS' in a && 'B' in b)) return setOf(a).has([...setOf({ [Object.keys(a)[0] as string]: [Object.values(b)[0]] } as AttributeValue)][0] as string);
      return false;
    }
    case 'compare': {
      const a = operandValue(item, c.left);
      const b = operandValue(item, c.right);
      if (!a || !b) return c.op === '<>' && (a !== undefined || b !== undefined) ? true : false;
      if (c.op === '=') return valuesEqual(a, b);
      if (c.op === '<>') return !valuesEqual(a, b);
      const order = compareValues(a, b);
      if (order === undefined) return false;
      return c.op === '<' ? order < 0 : c.op === '<=' ? order <= 0 : c.op === '>' ? order > 0 : order >= 0;
    }
    case 'between': {
      const v = operandValue(item, c.operand);
      const lo = operandValue(item, c.low);
      const hi = operandValue(item, c.high);
      if (!v || !lo || !hi) return false;
      const bounds = compareValues(lo, hi);
      if (bounds !== undefined && bounds > 0) throw invalid('Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
      const a = compareValues(v, lo);
      const b = compareValues(v, hi);
      return a !== undefined && b !== undefined && a >= 0 && b <= 0;
    }
    case 'in': {
      const v = operandValue(item, c.operand);
      return v !== undefined && c.list.some((o) => {
        const x = operandValue(item, o);
        return x !== undefined && valuesEqual(v, x);
      });
    }
  }
}

/** Applies an update to a copy of the item; returns the new item and the top-level names it touched. */
export function applyUpdate(item: Item, u: Update): { item: Item; touched: Set<string> } {
  const next = structuredClone(item);
  const touched = new Set<string>();
  const value = (v: SetValue): AttributeValue => {
    switch (v.kind) {
      case 'value':
        return v.value;
      case 'path': {
        const x = resolvePath(item, v.path);
        if (x === undefined) throw invalid(`The provided expression refers to an attribute that does not exist in the item`);
        return x;
      }
      case 'size':
        throw invalid('Invalid UpdateExpression: size() is not allowed in an update');
      case 'if_not_exists':
        return resolvePath(item, v.path) ?? value(v.fallback);
      case 'plus':
      case 'minus': {
        const a = value(v.left);
        const b = value(v.right);
        if (!('N' in a) || !('N' in b)) throw invalid(`An operand in the update expression has an incorrect data type`);
        return { N: addNumbers(a.N, b.N, v.kind === 'minus') };
      }
      case 'list_append': {
        const a = value(v.left);
        const b = value(v.right);
        if (!('L' in a) || !('L' in b)) throw invalid(`An operand in the update expression has an incorrect data type`);
        return { L: [...a.L, ...b.L] };
      }
    }
  };
  // Values are computed from the item as it was, then written.
  const sets = u.set.map((s) => ({ path: s.path, v: value(s.value) }));
  for (const s of sets) {
    setPath(next, s.path, s.v);
    touched.add(s.path[0] as string);
  }
  // Removing list elements by index goes from the highest index down.
  const removals = [...u.remove].sort((a, b) => {
    const ia = a[a.length - 1];
    const ib = b[b.length - 1];
    return typeof ia === 'number' && typeof ib === 'number' ? ib - ia : 0;
  });
  for (const p of removals) {
    removePath(next, p);
    touched.add(p[0] as string);
  }
  for (const a of u.add) {
    const current = resolvePath(next, a.path);
    touched.add(a.path[0] as string);
    if ('N' in a.value) {
      if (current !== undefined && !('N' in current)) throw invalid('An operand in the update expression has an incorrect data type');
      setPath(next, a.path, { N: addNumbers(current && 'N' in current ? current.N : '0', a.value.N) });
    } else if ('SS' in a.value || 'NS' in a.value || 'BS' in a.value) {
      const kind = Object.keys(a.value)[0] as 'SS' | 'NS' | 'BS';
      if (current !== undefined && !(kind in current)) throw invalid('An operand in the update expression has an incorrect data type');
      const members = current ? [...((current as Record<string, string[]>)[kind] as string[])] : [];
      const have = current ? setOf(current) : new Set<string>();
      for (const m of (a.value as Record<string, string[]>)[kind] as string[]) {
        const key = [...setOf({ [kind]: [m] } as AttributeValue)][0] as string;
        if (!have.has(key)) {
          members.push(m);
          have.add(key);
        }
      }
      setPath(next, a.path, { [kind]: members } as AttributeValue);
    } else throw invalid('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ' + typeOf(a.value));
  }
  for (const d of u.delete) {
    const kind = Object.keys(d.value)[0] as string;
    if (!['SS', 'NS', 'BS'].includes(kind)) throw invalid('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: ' + kind);
    const current = resolvePath(next, d.path);
    touched.add(d.path[0] as string);
    if (current === undefined) continue;
    if (!(kind in current)) throw invalid('An operand in the update expression has an incorrect data type');
    const drop = setOf(d.value);
    const left = ((current as Record<string, string[]>)[kind] as string[]).filter((m) => !drop.has([...setOf({ [kind]: [m] } as AttributeValue)][0] as string));
    if (left.length === 0) removePath(next, d.path);
    else setPath(next, d.path, { [kind]: left } as AttributeValue);
  }
  return { item: next, touched };
}

function parentOf(item: Item, path: Path, create: boolean): { container: Record<string, AttributeValue> | AttributeValue[]; key: string | number } | undefined {
  if (path.length === 1) return { container: item, key: path[0] as string };
  const parent = resolvePath(item, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (parent === undefined) {
    if (create) throw invalid('The document path provided in the update expression is invalid for update');
    return undefined;
  }
  if (typeof key === 'number') {
    if (!('L' in parent)) throw invalid('The document path provided in the update expression is invalid for update');
    return { container: parent.L, key };
  }
  if (!('M' in parent)) throw invalid('The document path provided in the update expression is invalid for update');
  return { container: parent.M, key };
}

function setPath(item: Item, path: Path, v: AttributeValue): void {
  const p = parentOf(item, path, true) as { container: Record<string, AttributeValue> | AttributeValue[]; key: string | number };
  if (Array.isArray(p.container)) {
    const i = p.key as number;
    if (i >= p.container.length) p.container.push(v);
    else p.container[i] = v;
  } else p.container[p.key as string] = v;
}

function removePath(item: Item, path: Path): void {
  const p = parentOf(item, path, false);
  if (!p) return;
  if (Array.isArray(p.container)) {
    if ((p.key as number) < p.container.length) p.container.splice(p.key as number, 1);
  } else delete p.container[p.key as string];
}

/** The item cut down to the given paths (nested paths keep their enclosing maps and lists). */
export function project(item: Item, paths: readonly Path[]): Item {
  const out: Item = {};
  for (const path of paths) {
    const v = resolvePath(item, path);
    if (v === undefined) continue;
    if (path.length === 1) {
      out[path[0] as string] = v;
      continue;
    }
    // Rebuild the enclosing structure; list elements keep their relative order.
    let src: AttributeValue = item[path[0] as string] as AttributeValue;
    let dst: AttributeValue = (out[path[0] as string] ??= 'L' in src ? { L: [] } : { M: {} });
    for (let i = 1; i < path.length; i++) {
      const step = path[i] as string | number;
      const last = i === path.length - 1;
      if (typeof step === 'number') {
        const child = (src as { L: AttributeValue[] }).L[step] as AttributeValue;
        const list = (dst as { L: AttributeValue[] }).L;
        const made: AttributeValue = last ? child : ((list as unknown as Record<number, AttributeValue>)[step] ?? ('L' in child ? { L: [] } : { M: {} }));
        (list as unknown as Record<number, AttributeValue>)[step] = made;
        src = child;
        dst = made;
      } else {
        const child = (src as { M: Item }).M[step] as AttributeValue;
        const map = (dst as { M: Item }).M;
        map[step] = last ? child : (map[step] ?? ('L' in child ? { L: [] } : { M: {} }));
        src = child;
        dst = map[step] as AttributeValue;
      }
    }
  }
  // Sparse lists (from indexes) become dense, in index order.
  const densify = (v: AttributeValue): AttributeValue => ('L' in v ? { L: v.L.filter((x) => x !== undefined).map(densify) } : 'M' in v ? { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, densify(x)])) } : v);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, densify(v)]));
}

