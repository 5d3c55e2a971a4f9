import { CalculatorError, MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, calculatorTool, evaluateArithmetic } from './calculator';

function errorOf(expression: string): CalculatorError {
  try {
    evaluateArithmetic(expression);
  } catch (err) {
    if (err instanceof CalculatorError) return err;
    throw err;
  }
  throw new Error(`expected "${expression}" to fail`);
}

describe('evaluateArithmetic', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3], // left-associative
    ['2 ^ 3 ^ 2', 512], // right-associative
    ['-2 ^ 2', -4], // unary minus binds looser than ^
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['+4', 4],
    ['7 % 3', 1],
    ['7 / 2', 3.5],
    ['.5 + 1.25', 1.75],
    ['1e3 + 2.5E-1', 1000.25],
    ['0.1 + 0.2', 0.3], // floating-point noise rounded away
    ['sqrt(16) + abs(-3)', 7],
    ['min(4, 2, 8) + max(1, 9)', 11],
    ['round(2.5) + round(-2.5)', 0], // half away from zero
    ['round(1.005, 2)', 1.01],
    ['floor(2.7) + ceil(2.1)', 5],
    ['log(1000)', 3],
    ['ln(e)', 1],
    ['exp(0)', 1],
    ['sin(0) + cos(0) + tan(0)', 1],
    ['cos(pi)', -1],
    ['PI', Math.PI], // names are case-insensitive
    ['  2*(  3 )  ', 6],
  ])('%s = %p', (expression, expected) => {
    expect(evaluateArithmetic(expression)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['1 / 0', 'division by zero at position 3', 3],
    ['5 % (2 - 2)', 'division by zero at position 3', 3],
    ['1 +', 'unexpected end of expression at position 4', 4],
    ['2 * * 3', 'unexpected "*" at position 5', 5],
    ['(1 + 2', 'expected ")" to close "(" from position 1 at position 7', 7],
    ['1 2', 'unexpected "2" at position 3', 3],
    ['1.2.3', 'malformed number "1.2.3" at position 1', 1],
    ['2e', 'malformed number "2e" at position 1', 1],
    ['3x', 'malformed number "3x" at position 1', 1],
    ['2 $ 3', 'unexpected character "$" at position 3', 3],
    ['foo(1)', 'unknown function "foo" at position 1', 1],
    ['x + 1', 'unknown name "x" at position 1', 1],
    ['sqrt + 1', 'sqrt is a function', 1],
    ['sqrt(1, 2)', 'sqrt() at position 1 takes 1 argument(s), got 2', 1],
    ['round(1.5, 0.5)', 'round: digits must be an integer from 0 to 15', 1],
    ['sqrt(-1)', 'sqrt(-1) at position 1 is not a real number', 1],
    ['log(0)', 'log(0) at position 1 is undefined or overflows', 1],
    ['10 ^ 400', 'at position 4 is undefined or overflows', 4],
    ['1e999', 'number "1e999" at position 1 is too large', 1],
  ])('%s fails: %s', (expression, message, position) => {
    const err = errorOf(expression);
    expect(err.message).toContain(message);
    expect(err.position).toBe(position);
  });

  it('refuses deep nesting with a clear error instead of overflowing the stack', () => {
    const deep = `${'('.repeat(MAX_NESTING_DEPTH + 1)}1${')'.repeat(MAX_NESTING_DEPTH + 1)}`;
    expect(errorOf(deep).message).toBe(`expression nests deeper than ${MAX_NESTING_DEPTH} levels at position ${MAX_NESTING_DEPTH + 1}`);
    expect(errorOf(`${'-'.repeat(500)}1`).message).toContain('nests deeper than');
    expect(errorOf(`${'('.repeat(MAX_EXPRESSION_LENGTH)}`).message).toContain('nests deeper than');
  });

  it('accepts nesting up to the limit', () => {
    const ok = `${'('.repeat(MAX_NESTING_DEPTH)}1${')'.repeat(MAX_NESTING_DEPTH)}`;
    expect(evaluateArithmetic(ok)).toBe(1);
  });

  it('refuses input longer than the bound', () => {
    const long = Array.from({ length: MAX_EXPRESSION_LENGTH }, () => '1').join('+');
    expect(errorOf(long).message).toContain(`the limit is ${MAX_EXPRESSION_LENGTH}`);
  });
});

describe('calculatorTool', () => {
  it('returns the expression and its result', async () => {
    await expect(calculatorTool.run({ expression: '2 * (3 + 4) ^ 2' }, {})).resolves.toEqual({ expression: '2 * (3 + 4) ^ 2', result: 98 });
  });

  it('its schema bounds the expression length and rejects other fields', () => {
    expect(calculatorTool.args.safeParse({ expression: 'x'.repeat(MAX_EXPRESSION_LENGTH + 1) }).success).toBe(false);
    expect(calculatorTool.args.safeParse({ expression: '1', code: 'process.exit()' }).success).toBe(false);
    expect(calculatorTool.args.safeParse({ expression: '' }).success).toBe(false);
  });
});
