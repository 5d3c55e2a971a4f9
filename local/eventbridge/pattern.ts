/**
 * An EventBridge-compatible event pattern matcher for the local platform.
 *
 * A pattern is validated once ({@link compilePattern}) and turned into a closure that tests whole
 * event envelopes (`source`, `detail-type`, `detail.*`, ...). Semantics follow the EventBridge
 * documentation on event patterns and content filtering:
 *
 * - Fields of a pattern object are ANDed; the values of a leaf array are ORed.
 * - An event field holding an array matches when any of its elements matches (nested arrays are
 *   flattened). A nested pattern object facing an array of objects matches when one element
 *   satisfies the whole sub-pattern.
 * - Only leaf values (strings, numbers, booleans, `null`) are matched. An event field holding an
 *   object is an intermediate node: no leaf operator matches it, so `{"exists": false}` matches
 *   it and `{"exists": true}` does not. An empty array holds no leaf values either.
 * - `null`, `""` and an absent field are three different things.
 * - Negations (`anything-but`) only match a field that is present.
 *
 * @module
 */
import { BlockList, isIP } from 'node:net';

/** How deep pattern objects (including `$or` branches) may nest before a pattern is rejected. */
export const MAX_PATTERN_DEPTH = 16;

/** Bounds EventBridge accepts for numbers in `numeric` and `anything-but` (±5.0e9). */
export const MAX_PATTERN_NUMBER = 5e9;

/** A compiled event pattern: a pure predicate over an event. */
export type EventMatcher = (event: unknown) => boolean;

/** The outcome of {@link compilePattern}: a matcher, or every problem found in the pattern. */
export type CompilePatternResult =
  | { readonly ok: true; readonly matcher: EventMatcher }
  | { readonly ok: false; readonly errors: string[] };

type Leaf = string | number | boolean | null;

/** A test of one leaf value, or a test of presence (`exists`). */
type LeafCondition =
  | { readonly kind: 'value'; readonly test: (value: Leaf) => boolean }
  | { readonly kind: 'exists'; readonly present: boolean };

type FieldNode =
  | { readonly kind: 'leaf'; readonly key: string; readonly conditions: readonly LeafCondition[] }
  | { readonly kind: 'object'; readonly key: string; readonly node: ObjectNode };

interface ObjectNode {
  readonly fields: readonly FieldNode[];
  /** Each entry is one `$or`: at least one of its branches must match. */
  readonly ors: readonly (readonly ObjectNode[])[];
}

/**
 * Validates an EventBridge event pattern and compiles it into a matcher.
 *
 * The pattern may be given as a parsed JSON value or as the JSON string PutRule receives. Every
 * problem is collected (not just the first), each message naming the path and what is wrong.
 *
 * @param pattern - The event pattern (an object, or a JSON string of one).
 * @returns `{ ok: true, matcher }` or `{ ok: false, errors }`.
 *
 * @example
 * ```ts
 * const compiled = compilePattern({ source: ['stepflow'], detail: { status: [{ prefix: 'FAIL' }] } });
 * if (compiled.ok) compiled.matcher({ source: 'stepflow', detail: { status: 'FAILED' } }); // true
 * compilePattern({ source: 'stepflow' }); // { ok: false, errors: ['source: ... must be an array ...'] }
 * ```
 */
export function compilePattern(pattern: unknown): CompilePatternResult {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern) as unknown;
    } catch (error) {
      return { ok: false, errors: [`pattern: is not valid JSON (${(error as Error).message})`] };
    }
  }
  const errors: string[] = [];
  if (!isPlainObject(parsed)) {
    return { ok: false, errors: [`pattern: must be a JSON object, received ${describe(parsed)}`] };
  }
  const root = compileObject(parsed, '', 1, errors);
  if (errors.length > 0 || root === undefined) return { ok: false, errors };
  return { ok: true, matcher: (event: unknown) => matchObject(root, event) };
}

/**
 * Tests one event against a pattern, compiling it on the way. Throws on a malformed pattern;
 * prefer {@link compilePattern} when the same pattern tests many events.
 *
 * @example
 * ```ts
 * matchesPattern({ 'detail-type': ['NodeFailed'] }, { 'detail-type': 'NodeFailed' }); // true
 * ```
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  const compiled = compilePattern(pattern);
  if (!compiled.ok) throw new TypeError(`Invalid event pattern: ${compiled.errors.join('; ')}`);
  return compiled.matcher(event);
}

// ---------------------------------------------------------------------------------------------
// Compilation (validation collects every problem; nothing throws)

function compileObject(
  obj: Record<string, unknown>,
  path: string,
  depth: number,
  errors: string[],
): ObjectNode | undefined {
  const where = path === '' ? 'pattern' : path;
  if (depth > MAX_PATTERN_DEPTH) {
    errors.push(`${where}: nesting is too deep (more than ${MAX_PATTERN_DEPTH} levels of objects)`);
    return undefined;
  }
  const keys = Object.keys(obj);
  if (keys.length === 0) {
    errors.push(`${where}: an empty object matches nothing; give at least one field`);
    return undefined;
  }
  const fields: FieldNode[] = [];
  const ors: ObjectNode[][] = [];
  for (const key of keys) {
    const value = obj[key];
    const childPath = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      const branches = compileOr(value, childPath, depth, errors);
      if (branches !== undefined) ors.push(branches);
    } else if (Array.isArray(value)) {
      const conditions = compileLeafArray(value, childPath, errors);
      if (conditions !== undefined) fields.push({ kind: 'leaf', key, conditions });
    } else if (isPlainObject(value)) {
      const node = compileObject(value, childPath, depth + 1, errors);
      if (node !== undefined) fields.push({ kind: 'object', key, node });
    } else {
      errors.push(
        `${childPath}: match values must be inside an array (e.g. [${JSON.stringify(value) ?? 'null'}]) ` +
          `or be a nested object, received ${describe(value)}`,
      );
    }
  }
  return { fields, ors };
}

function compileOr(value: unknown, path: string, depth: number, errors: string[]): ObjectNode[] | undefined {
  if (!Array.isArray(value) || value.length < 2) {
    errors.push(`${path}: must be an array of at least 2 pattern objects, received ${describe(value)}`);
    return undefined;
  }
  const branches: ObjectNode[] = [];
  value.forEach((branch, index) => {
    const branchPath = `${path}[${index}]`;
    if (!isPlainObject(branch)) {
      errors.push(`${branchPath}: each $or branch must be a pattern object, received ${describe(branch)}`);
      return;
    }
    const node = compileObject(branch, branchPath, depth + 1, errors);
    if (node !== undefined) branches.push(node);
  });
  return branches.length === value.length ? branches : undefined;
}

function compileLeafArray(values: unknown[], path: string, errors: string[]): LeafCondition[] | undefined {
  if (values.length === 0) {
    errors.push(`${path}: empty arrays are not allowed; list at least one value or operator`);
    return undefined;
  }
  const before = errors.length;
  const conditions: LeafCondition[] = [];
  values.forEach((value, index) => {
    const condition = compileLeafValue(value, `${path}[${index}]`, errors);
    if (condition !== undefined) conditions.push(condition);
  });
  return errors.length === before ? conditions : undefined;
}

function compileLeafValue(value: unknown, path: string, errors: string[]): LeafCondition | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return { kind: 'value', test: (v) => v === value };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      errors.push(`${path}: numbers must be finite, received ${String(value)}`);
      return undefined;
    }
    return { kind: 'value', test: (v) => typeof v === 'number' && v === value };
  }
  if (Array.isArray(value)) {
    errors.push(`${path}: nested arrays are not allowed inside a match array`);
    return undefined;
  }
  if (!isPlainObject(value)) {
    errors.push(`${path}: unsupported value ${describe(value)}`);
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    errors.push(
      `${path}: an operator object must have exactly one key, received ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    );
    return undefined;
  }
  const operator = keys[0] as string;
  const operand = value[operator];
  const opPath = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return compileAffix(operator, operand, opPath, errors);
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') {
        errors.push(`${opPath}: must be a string, received ${describe(operand)}`);
        return undefined;
      }
      const folded = fold(operand);
      return { kind: 'value', test: (v) => typeof v === 'string' && fold(v) === folded };
    }
    case 'wildcard': {
      const regex = compileWildcard(operand, opPath, errors);
      return regex === undefined ? undefined : { kind: 'value', test: (v) => typeof v === 'string' && regex.test(v) };
    }
    case 'anything-but':
      return compileAnythingBut(operand, opPath, errors);
    case 'numeric':
      return compileNumeric(operand, opPath, errors);
    case 'exists':
      if (typeof operand !== 'boolean') {
        errors.push(`${opPath}: must be true or false, received ${describe(operand)}`);
        return undefined;
      }
      return { kind: 'exists', present: operand };
    case 'cidr':
      return compileCidr(operand, opPath, errors);
    default:
      errors.push(
        `${path}: unrecognized operator "${operator}"; expected one of prefix, suffix, equals-ignore-case, ` +
          'wildcard, anything-but, numeric, exists, cidr',
      );
      return undefined;
  }
}

function compileAffix(
  operator: 'prefix' | 'suffix',
  operand: unknown,
  path: string,
  errors: string[],
): LeafCondition | undefined {
  const test = affixTest(operator, operand, path, errors);
  return test === undefined ? undefined : { kind: 'value', test };
}

/** `prefix`/`suffix` with a string, or with `{ "equals-ignore-case": string }`. */
function affixTest(
  operator: 'prefix' | 'suffix',
  operand: unknown,
  path: string,
  errors: string[],
): ((value: Leaf) => boolean) | undefined {
  if (typeof operand === 'string') {
    return operator === 'prefix'
      ? (v) => typeof v === 'string' && v.startsWith(operand)
      : (v) => typeof v === 'string' && v.endsWith(operand);
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const inner = operand['equals-ignore-case'];
    if (keys.length === 1 && typeof inner === 'string') {
      const folded = fold(inner);
      return operator === 'prefix'
        ? (v) => typeof v === 'string' && fold(v).startsWith(folded)
        : (v) => typeof v === 'string' && fold(v).endsWith(folded);
    }
    errors.push(`${path}: only { "equals-ignore-case": <string> } may be nested in ${operator}`);
    return undefined;
  }
  errors.push(`${path}: must be a string, received ${describe(operand)}`);
  return undefined;
}

function compileAnythingBut(operand: unknown, path: string, errors: string[]): LeafCondition | undefined {
  const excluded = anythingButExcluded(operand, path, errors);
  // A negation needs something to negate: an absent field never matches (see module doc).
  return excluded === undefined ? undefined : { kind: 'value', test: (v) => !excluded(v) };
}

function anythingButExcluded(
  operand: unknown,
  path: string,
  errors: string[],
): ((value: Leaf) => boolean) | undefined {
  if (typeof operand === 'string') return (v) => v === operand;
  if (typeof operand === 'number') {
    if (!checkPatternNumber(operand, path, errors)) return undefined;
    return (v) => typeof v === 'number' && v === operand;
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) {
      errors.push(`${path}: the list of excluded values must not be empty`);
      return undefined;
    }
    if (operand.every((item): item is string => typeof item === 'string')) {
      const set = new Set<Leaf>(operand);
      return (v) => typeof v === 'string' && set.has(v);
    }
    if (operand.every((item): item is number => typeof item === 'number')) {
      if (!operand.every((n) => checkPatternNumber(n, path, errors))) return undefined;
      const set = new Set<Leaf>(operand);
      return (v) => typeof v === 'number' && set.has(v);
    }
    errors.push(`${path}: the list must hold only strings or only numbers (no mixed types, objects or null)`);
    return undefined;
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const inner = keys[0];
    if (keys.length !== 1 || inner === undefined) {
      errors.push(`${path}: must nest exactly one of prefix, suffix, wildcard, equals-ignore-case`);
      return undefined;
    }
    const innerValue = operand[inner];
    const innerPath = `${path}.${inner}`;
    switch (inner) {
      case 'prefix':
      case 'suffix':
        if (typeof innerValue !== 'string') {
          errors.push(`${innerPath}: must be a string, received ${describe(innerValue)}`);
          return undefined;
        }
        return affixTest(inner, innerValue, innerPath, errors);
      case 'equals-ignore-case': {
        const list = stringOrStrings(innerValue, innerPath, errors);
        if (list === undefined) return undefined;
        const folded = new Set(list.map(fold));
        return (v) => typeof v === 'string' && folded.has(fold(v));
      }
      case 'wildcard': {
        const list = stringOrStrings(innerValue, innerPath, errors);
        if (list === undefined) return undefined;
        const regexes = list.map((item) => compileWildcard(item, innerPath, errors));
        if (regexes.some((r) => r === undefined)) return undefined;
        return (v) => typeof v === 'string' && regexes.some((r) => r?.test(v) === true);
      }
      default:
        errors.push(
          `${path}: unsupported operator "${inner}" inside anything-but; use prefix, suffix, wildcard or equals-ignore-case`,
        );
        return undefined;
    }
  }
  errors.push(
    `${path}: must be a string, a number, a list of strings or numbers, or an object, received ${describe(operand)}`,
  );
  return undefined;
}

type NumericOp = '=' | '<' | '<=' | '>' | '>=';
const NUMERIC_OPS: ReadonlySet<string> = new Set(['=', '<', '<=', '>', '>=']);

function compileNumeric(operand: unknown, path: string, errors: string[]): LeafCondition | undefined {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    errors.push(
      `${path}: must be [operator, number] or [lower-operator, number, upper-operator, number], received ${describe(operand)}`,
    );
    return undefined;
  }
  const bounds: { op: NumericOp; n: number }[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const n: unknown = operand[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op)) {
      errors.push(`${path}[${i}]: unrecognized numeric operator ${describe(op)}; use =, <, <=, > or >=`);
      return undefined;
    }
    if (typeof n !== 'number') {
      errors.push(`${path}[${i + 1}]: the value after "${op}" must be a number, received ${describe(n)}`);
      return undefined;
    }
    if (!checkPatternNumber(n, `${path}[${i + 1}]`, errors)) return undefined;
    bounds.push({ op: op as NumericOp, n });
  }
  const [first, second] = bounds;
  if (first === undefined) return undefined;
  if (second !== undefined) {
    const lowerFirst = first.op === '>' || first.op === '>=';
    const upperSecond = second.op === '<' || second.op === '<=';
    if (!lowerFirst || !upperSecond) {
      errors.push(
        `${path}: a range must give a lower bound (> or >=) and then an upper bound (< or <=); ` +
          'only one range is allowed per numeric',
      );
      return undefined;
    }
    if (first.n >= second.n) {
      errors.push(`${path}: the lower bound ${first.n} must be below the upper bound ${second.n}`);
      return undefined;
    }
  }
  return {
    kind: 'value',
    test: (v) => typeof v === 'number' && bounds.every((b) => compareNumber(v, b.op, b.n)),
  };
}

function compareNumber(value: number, op: NumericOp, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

function checkPatternNumber(n: number, path: string, errors: string[]): boolean {
  if (!Number.isFinite(n) || Math.abs(n) > MAX_PATTERN_NUMBER) {
    errors.push(`${path}: numbers must lie between -${MAX_PATTERN_NUMBER} and ${MAX_PATTERN_NUMBER}, received ${n}`);
    return false;
  }
  return true;
}

function compileCidr(operand: unknown, path: string, errors: string[]): LeafCondition | undefined {
  const parsed = typeof operand === 'string' ? parseCidr(operand) : undefined;
  if (parsed === undefined) {
    errors.push(
      `${path}: must be a CIDR block such as "10.0.0.0/24" or "2001:db8::/32", received ${describe(operand)}`,
    );
    return undefined;
  }
  const block = new BlockList();
  block.addSubnet(parsed.network, parsed.prefixLength, parsed.family);
  return {
    kind: 'value',
    test: (v) => {
      if (typeof v !== 'string') return false;
      const family = isIP(v);
      return family === (parsed.family === 'ipv4' ? 4 : 6) && block.check(v, parsed.family);
    },
  };
}

function parseCidr(text: string): { network: string; prefixLength: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const network = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  const version = isIP(network);
  if (version === 4 && prefixLength <= 32) return { network, prefixLength, family: 'ipv4' };
  if (version === 6 && prefixLength <= 128) return { network, prefixLength, family: 'ipv6' };
  return undefined;
}

/**
 * `*` matches any run of characters (including none); `\*` is a literal star and `\\` a literal
 * backslash. Consecutive unescaped stars and other escapes are rejected, as EventBridge does.
 */
function compileWildcard(operand: unknown, path: string, errors: string[]): RegExp | undefined {
  if (typeof operand !== 'string') {
    errors.push(`${path}: must be a string, received ${describe(operand)}`);
    return undefined;
  }
  let source = '';
  let previousWasStar = false;
  for (let i = 0; i < operand.length; i++) {
    const ch = operand[i] as string;
    if (ch === '\\') {
      const next = operand[i + 1];
      if (next !== '*' && next !== '\\') {
        errors.push(`${path}: invalid escape in "${operand}"; only \\* and \\\\ may be escaped`);
        return undefined;
      }
      source += escapeRegex(next);
      i++;
      previousWasStar = false;
    } else if (ch === '*') {
      if (previousWasStar) {
        errors.push(`${path}: consecutive wildcard characters are not allowed in "${operand}"`);
        return undefined;
      }
      source += '[\\s\\S]*';
      previousWasStar = true;
    } else {
      source += escapeRegex(ch);
      previousWasStar = false;
    }
  }
  return new RegExp(`^${source}$`);
}

function stringOrStrings(value: unknown, path: string, errors: string[]): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item): item is string => typeof item === 'string')) {
    return value;
  }
  errors.push(`${path}: must be a string or a non-empty list of strings, received ${describe(value)}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Matching

function matchObject(node: ObjectNode, value: unknown): boolean {
  // A nested pattern facing an array of objects: one element must satisfy the whole sub-pattern,
  // so fields are never paired across different elements.
  if (Array.isArray(value) && value.length > 0) return value.some((item) => matchObject(node, item));
  const record = isPlainObject(value) ? value : undefined;
  for (const field of node.fields) {
    const child = record === undefined ? undefined : record[field.key];
    const ok = field.kind === 'leaf' ? matchLeaf(field.conditions, child) : matchObject(field.node, child);
    if (!ok) return false;
  }
  return node.ors.every((branches) => branches.some((branch) => matchObject(branch, value)));
}

function matchLeaf(conditions: readonly LeafCondition[], value: unknown): boolean {
  const leaves = leafValues(value);
  return conditions.some((condition) =>
    condition.kind === 'exists' ? (leaves.length > 0) === condition.present : leaves.some(condition.test),
  );
}

/** The leaf values held by an event field: none for absent fields, objects and empty arrays. */
function leafValues(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return [value];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fold(text: string): string {
  return text.toLowerCase();
}

function escapeRegex(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
