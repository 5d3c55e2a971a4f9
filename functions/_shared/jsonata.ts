/**
 * Bounded JSONata evaluation, shared by the transform runtime and the `json_transform` tool.
 * JSONata reads only its input, so it is safe on model- or user-written expressions once its
 * time, recursion depth and sequence size are bounded — by jsonata's own guardrails, which are
 * checked at every evaluation step (a timer could not interrupt evaluation: it never yields).
 */
import type jsonataFn from 'jsonata';

let jsonata: typeof jsonataFn | undefined;
/**
 * Loads jsonata (about 80 KB). The transform runtime calls this at cold start, because every one
 * of its invocations evaluates an expression; elsewhere (the `json_transform` tool) jsonata loads
 * with the first evaluation.
 */
export function loadJsonata(): typeof jsonataFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
  jsonata ??= (require('./lazy/jsonata') as typeof import('./lazy/jsonata')).jsonata;
  return jsonata;
}

export interface JsonataLimits {
  /** Evaluation time limit. @default 1000 */
  readonly timeoutMs?: number;
  /** Deepest evaluation stack (non-tail recursion in user functions). @default 500 */
  readonly maxDepth?: number;
  /** Longest sequence an expression may build (`[1..n]`, `$append`). @default 100000 */
  readonly maxSequenceLength?: number;
}

/** The shape of the errors jsonata throws (plain objects with a code, not Error instances). */
interface JsonataFailure {
  code?: string;
  message?: string;
  position?: number;
  token?: string;
}

/** A syntax or evaluation failure, with the position and jsonata's error code. */
export class JsonataError extends Error {
  override readonly name = 'JsonataError';
  constructor(
    readonly kind: 'syntax error' | 'evaluation error',
    readonly failure: JsonataFailure,
  ) {
    const where = typeof failure.position === 'number' ? ` at position ${failure.position}` : '';
    const near = failure.token !== undefined && failure.token !== '(end)' ? ` near "${failure.token}"` : '';
    const code = failure.code ? ` (${failure.code})` : '';
    super(`${kind}${where}${near}${code}: ${failure.message ?? 'unknown error'}`);
  }
}

const asFailure = (err: unknown): JsonataFailure => (typeof err === 'object' && err !== null ? (err as JsonataFailure) : { message: String(err) });

/** JSON.stringify replacer: jsonata lambdas are objects that reference their (circular) environment. */
function dropFunctions(_key: string, value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (typeof value === 'object' && value !== null && ('_jsonata_lambda' in value || '_jsonata_function' in value)) return undefined;
  return value;
}

/**
 * Evaluates `expression` over `data` and returns plain JSON (undefined becomes null).
 * @throws JsonataError naming the position and the jsonata error code
 * @example
 * ```ts
 * await evaluateJsonata('$sum(items.price)', { items: [{ price: 2 }, { price: 3 }] }) // 5
 * ```
 */
export async function evaluateJsonata(expression: string, data: unknown, limits: JsonataLimits = {}): Promise<unknown> {
  let compiled: ReturnType<typeof jsonataFn>;
  try {
    compiled = loadJsonata()(expression, { timeout: limits.timeoutMs ?? 1_000, stack: limits.maxDepth ?? 500, sequence: limits.maxSequenceLength ?? 100_000 });
  } catch (err) {
    throw new JsonataError('syntax error', asFailure(err));
  }
  let result: unknown;
  try {
    result = await compiled.evaluate(data);
  } catch (err) {
    throw new JsonataError('evaluation error', asFailure(err));
  }
  // Round-trip through JSON: jsonata marks arrays as "sequences" with extra properties and can
  // return functions; downstream nodes and models only ever see plain JSON.
  const json = result === undefined ? undefined : JSON.stringify(result, dropFunctions);
  return json === undefined ? null : (JSON.parse(json) as unknown);
}
