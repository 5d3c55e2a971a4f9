/**
 * `calculator`: a safe arithmetic evaluator. Models are poor at arithmetic; this gives them an
 * exact one without `eval`/`Function` (a model-written string must never reach a JS parser).
 *
 * Grammar (recursive descent, precedence low to high):
 * ```
 * expr    := term (('+' | '-') term)*
 * term    := unary (('*' | '/' | '%') unary)*
 * unary   := ('-' | '+') unary | power
 * power   := primary ('^' unary)?          right-associative: 2^3^2 = 2^9; -2^2 = -4
 * primary := number | constant | name '(' expr (',' expr)* ')' | '(' expr ')'
 * ```
 * Positions in errors are 1-based character columns of the offending token.
 */
import * as z from 'zod/mini';
import '@shared/zod-en';
import type { ToolDefinition } from '../tool-registry';

/** Longest expression accepted; bounds work per call. */
export const MAX_EXPRESSION_LENGTH = 1_000;
/** Deepest nesting of parentheses, unary signs and powers; bounds recursion (no stack overflow). */
export const MAX_NESTING_DEPTH = 64;

/** A malformed expression or an undefined result, with the 1-based position it refers to. */
export class CalculatorError extends Error {
  override readonly name = 'CalculatorError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly kind: 'name'; readonly name: string; readonly pos: number; readonly text: string }
  | { readonly kind: 'op'; readonly op: string; readonly pos: number; readonly text: string }
  | { readonly kind: 'end'; readonly pos: number; readonly text: string };

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '(', ')', ',']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const rest = source.slice(i);
    const num = NUMBER.exec(rest);
    if (num) {
      const text = num[0];
      // "1.2.3", "2e", "3x": a number glued to more number-ish characters is a typo, not "3 * x".
      const next = source[i + text.length];
      if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
        throw new CalculatorError(`malformed number "${rest.match(/^[A-Za-z0-9_.]+/)?.[0] ?? text}" at position ${i + 1}`, i + 1);
      }
      const value = Number(text);
      if (!Number.isFinite(value)) throw new CalculatorError(`number "${text}" at position ${i + 1} is too large`, i + 1);
      tokens.push({ kind: 'number', value, pos: i + 1, text });
      i += text.length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', name: name[0].toLowerCase(), pos: i + 1, text: name[0] });
      i += name[0].length;
      continue;
    }
    if (OPERATORS.has(ch)) {
      tokens.push({ kind: 'op', op: ch, pos: i + 1, text: ch });
      i += 1;
      continue;
    }
    throw new CalculatorError(`unexpected character "${ch}" at position ${i + 1}`, i + 1);
  }
  tokens.push({ kind: 'end', pos: source.length + 1, text: 'end of expression' });
  return tokens;
}

const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

/** Rounds half away from zero to `digits` decimals, via exponent notation so 1.005 -> 1.01. */
function roundTo(x: number, digits: number): number {
  const abs = Math.abs(x);
  const text = String(abs);
  // Values JS already prints in exponent form (1e-7, 1e21) cannot take the string shift.
  if (text.includes('e')) return Math.sign(x) * (Math.round(abs * 10 ** digits) / 10 ** digits);
  const shifted = Math.round(Number(`${text}e${digits}`));
  return Math.sign(x) * Number(`${shifted}e-${digits}`);
}

interface FunctionSpec {
  readonly minArgs: number;
  readonly maxArgs: number;
  apply(args: readonly number[], pos: number): number;
}

const unary = (f: (x: number) => number): FunctionSpec => ({ minArgs: 1, maxArgs: 1, apply: (a) => f(a[0] as number) });

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  sqrt: unary(Math.sqrt),
  abs: unary(Math.abs),
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  log: unary(Math.log10),
  ln: unary(Math.log),
  exp: unary(Math.exp),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  min: { minArgs: 1, maxArgs: 100, apply: (a) => Math.min(...a) },
  max: { minArgs: 1, maxArgs: 100, apply: (a) => Math.max(...a) },
  round: {
    minArgs: 1,
    maxArgs: 2,
    apply: (a, pos) => {
      const digits = a[1] ?? 0;
      if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
        throw new CalculatorError(`round: digits must be an integer from 0 to 15, got ${digits} (call at position ${pos})`, pos);
      }
      return roundTo(a[0] as number, digits);
    },
  },
};

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): number {
    const value = this.expr();
    const t = this.peek();
    if (t.kind !== 'end') throw new CalculatorError(`unexpected "${t.text}" at position ${t.pos}`, t.pos);
    return value;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.index += 1;
    return t;
  }

  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.op);
  }

  private expect(op: string, context: string): void {
    const t = this.peek();
    if (t.kind === 'op' && t.op === op) {
      this.index += 1;
      return;
    }
    throw new CalculatorError(`expected "${op}" ${context} at position ${t.pos}, found ${t.kind === 'end' ? 'end of expression' : `"${t.text}"`}`, t.pos);
  }

  /** Counts nesting so "((((...", "----1" and "2^2^2^..." fail cleanly instead of overflowing the JS stack. */
  private nested<T>(pos: number, f: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw new CalculatorError(`expression nests deeper than ${MAX_NESTING_DEPTH} levels at position ${pos}`, pos);
    }
    try {
      return f();
    } finally {
      this.depth -= 1;
    }
  }

  private expr(): number {
    let value = this.term();
    while (this.isOp('+', '-')) {
      const op = this.next();
      const right = this.term();
      value = finite(op.text === '+' ? value + right : value - right, `"${op.text}"`, op.pos);
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    while (this.isOp('*', '/', '%')) {
      const op = this.next();
      const right = this.unary();
      if ((op.text === '/' || op.text === '%') && right === 0) {
        throw new CalculatorError(`division by zero at position ${op.pos}`, op.pos);
      }
      value = finite(op.text === '*' ? value * right : op.text === '/' ? value / right : value % right, `"${op.text}"`, op.pos);
    }
    return value;
  }

  private unary(): number {
    if (this.isOp('-', '+')) {
      const op = this.next();
      const operand = this.nested(op.pos, () => this.unary());
      return op.text === '-' ? -operand : operand;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    const op = this.next();
    const exponent = this.nested(op.pos, () => this.unary());
    return finite(base ** exponent, `${base}^${exponent}`, op.pos);
  }

  private primary(): number {
    const t = this.next();
    if (t.kind === 'number') return t.value;
    if (t.kind === 'op' && t.op === '(') {
      return this.nested(t.pos, () => {
        const value = this.expr();
        this.expect(')', `to close "(" from position ${t.pos}`);
        return value;
      });
    }
    if (t.kind === 'name') {
      if (this.isOp('(')) return this.call(t.name, t.text, t.pos);
      const constant = CONSTANTS[t.name];
      if (constant !== undefined) return constant;
      const hint = FUNCTIONS[t.name] ? ` (${t.name} is a function: write ${t.name}(...))` : ` (constants: ${Object.keys(CONSTANTS).join(', ')})`;
      throw new CalculatorError(`unknown name "${t.text}" at position ${t.pos}${hint}`, t.pos);
    }
    if (t.kind === 'end') throw new CalculatorError(`unexpected end of expression at position ${t.pos}: expected a number, a function or "("`, t.pos);
    throw new CalculatorError(`unexpected "${t.text}" at position ${t.pos}: expected a number, a function or "("`, t.pos);
  }

  private call(name: string, text: string, pos: number): number {
    const spec = FUNCTIONS[name];
    if (!spec) {
      throw new CalculatorError(`unknown function "${text}" at position ${pos}; available: ${Object.keys(FUNCTIONS).join(', ')}`, pos);
    }
    const open = this.next();
    const args = this.nested(open.pos, () => {
      const list = [this.expr()];
      while (this.isOp(',')) {
        this.next();
        list.push(this.expr());
      }
      this.expect(')', `to close ${text}( from position ${pos}`);
      return list;
    });
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const expected = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
      throw new CalculatorError(`${text}() at position ${pos} takes ${expected} argument(s), got ${args.length}`, pos);
    }
    return finite(spec.apply(args, pos), `${text}(${args.join(', ')})`, pos);
  }
}

/** NaN and ±Infinity are never a useful answer to hand back to a model: name where they arose. */
function finite(value: number, what: string, pos: number): number {
  if (Number.isNaN(value)) throw new CalculatorError(`${what} at position ${pos} is not a real number`, pos);
  if (!Number.isFinite(value)) throw new CalculatorError(`${what} at position ${pos} is undefined or overflows`, pos);
  return value;
}

/**
 * Evaluates an arithmetic expression. The result is rounded to 15 significant digits, which
 * hides binary floating-point noise (0.1 + 0.2 gives 0.3) without losing real precision.
 *
 * @throws {CalculatorError} with the 1-based position for malformed input, division by zero,
 * results that are not finite real numbers, or input beyond the length and nesting bounds.
 * @example
 * ```ts
 * evaluateArithmetic('2 * (3 + 4) ^ 2') // 98
 * evaluateArithmetic('1 / 0')           // throws CalculatorError: division by zero at position 3
 * ```
 */
export function evaluateArithmetic(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new CalculatorError(`expression is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`, MAX_EXPRESSION_LENGTH + 1);
  }
  const value = new Parser(tokenize(expression)).parse();
  const rounded = Number(value.toPrecision(15));
  // -0 reads oddly in an answer and compares equal to 0 anyway.
  return Object.is(rounded, -0) ? 0 : rounded;
}

const args = z.strictObject({
  expression: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(MAX_EXPRESSION_LENGTH),
      z.describe(
        'Arithmetic expression, e.g. "2 * (3 + 4) ^ 2" or "round(sqrt(2), 3)". Operators + - * / % ^ (power) and parentheses; ' +
          'functions sqrt, abs, min, max, round(x[, digits]), floor, ceil, log (base 10), ln, exp, sin, cos, tan (radians); constants pi, e.',
      ),
    ),
});

/**
 * The `calculator` tool.
 *
 * @example
 * ```ts
 * await calculatorTool.run({ expression: 'max(2, 3) * pi' }, {}) // { expression: 'max(2, 3) * pi', result: 9.42477796076938 }
 * ```
 */
export const calculatorTool: ToolDefinition<typeof args> = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression exactly and returns the number. Use it instead of doing arithmetic yourself.',
  args,
  async run(a) {
    return { expression: a.expression, result: evaluateArithmetic(a.expression) };
  },
};
