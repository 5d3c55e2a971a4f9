/**
 * `json_transform`: evaluates a JSONata expression over a JSON value. JSONata is a query
 * language, not JavaScript: an expression can read `data` and nothing else, so it is safe to
 * run on model-written input once its time, recursion and sequence size are bounded.
 */
import jsonata from 'jsonata';
import { z } from 'zod';
import type { ToolDefinition } from '../tool-registry';

export interface JsonTransformToolOptions {
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

function asFailure(err: unknown): JsonataFailure {
  return typeof err === 'object' && err !== null ? (err as JsonataFailure) : { message: String(err) };
}

/** "syntax error at position 5 (S0203): Expected "]" ..." — the code lets a person look it up in the JSONata docs. */
function describeFailure(kind: 'syntax error' | 'evaluation error', err: unknown): string {
  const f = asFailure(err);
  const where = typeof f.position === 'number' ? ` at position ${f.position}` : '';
  const near = f.token !== undefined && f.token !== '(end)' ? ` near "${f.token}"` : '';
  const code = f.code ? ` (${f.code})` : '';
  return `json_transform: ${kind}${where}${near}${code}: ${f.message ?? 'unknown error'}`;
}

/** JSON.stringify replacer: jsonata lambdas are objects that reference their (circular) environment. */
function dropFunctions(_key: string, value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (typeof value === 'object' && value !== null && ('_jsonata_lambda' in value || '_jsonata_function' in value)) return undefined;
  return value;
}

const args = z
  .object({
    expression: z
      .string()
      .min(1)
      .max(10_000)
      .describe('JSONata expression evaluated over `data`, e.g. "items[price > 10].name" or "$sum(items.(price * qty))".'),
    data: z.unknown().describe('The JSON value the expression queries (the context `$`).'),
  })
  .strict();

/**
 * Creates the `json_transform` tool. Errors (syntax and runtime) are thrown with the JSONata
 * error code and the position in the expression.
 *
 * @example
 * ```ts
 * const tool = jsonTransformTool({ timeoutMs: 500 });
 * await tool.run({ expression: '$sum(items.price)', data: { items: [{ price: 2 }, { price: 3 }] } }, {}) // { result: 5 }
 * ```
 */
export function jsonTransformTool(options: JsonTransformToolOptions = {}): ToolDefinition<typeof args> {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const stack = options.maxDepth ?? 500;
  const sequence = options.maxSequenceLength ?? 100_000;
  return {
    name: 'json_transform',
    description: 'Queries or reshapes JSON with a JSONata expression (filter, map, aggregate, restructure) and returns the result.',
    args,
    async run(a, ctx) {
      let expression: ReturnType<typeof jsonata>;
      try {
        // jsonata's own guardrails check time and depth at every evaluation step, so they stop
        // CPU-bound loops too (a timer alone cannot interrupt code that never yields).
        expression = jsonata(a.expression, { timeout: timeoutMs, stack, sequence });
      } catch (err) {
        throw new Error(describeFailure('syntax error', err));
      }
      if (ctx.signal?.aborted) throw new Error('json_transform: aborted by the caller before evaluation');
      let result: unknown;
      try {
        // No timer race here: jsonata evaluates on microtasks only, so a timer (or an abort
        // signal) could not fire until evaluation had finished anyway. The guardrails above run
        // at every step and are what actually stop a runaway expression.
        result = await expression.evaluate(a.data);
      } catch (err) {
        throw new Error(describeFailure('evaluation error', err));
      }
      // Round-trip through JSON: jsonata marks arrays as "sequences" with extra properties and
      // can return functions; downstream nodes and models should only ever see plain JSON.
      const json = result === undefined ? undefined : JSON.stringify(result, dropFunctions);
      return { result: json === undefined ? null : (JSON.parse(json) as unknown) };
    },
  };
}
