/**
 * `json_transform`: evaluates a JSONata expression over a JSON value. JSONata is a query
 * language, not JavaScript: an expression can read `data` and nothing else, so it is safe to
 * run on model-written input once its time, recursion and sequence size are bounded.
 */
import * as z from 'zod/mini';
import '@shared/zod-en';
import { evaluateJsonata, type JsonataLimits } from '../../_shared/jsonata';
import type { ToolDefinition } from '../tool-registry';

export type JsonTransformToolOptions = JsonataLimits;

const args = z.strictObject({
  expression: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(10_000),
      z.describe('JSONata expression evaluated over `data`, e.g. "items[price > 10].name" or "$sum(items.(price * qty))".'),
    ),
  data: z.unknown().check(z.describe('The JSON value the expression queries (the context `$`).')),
});

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
  return {
    name: 'json_transform',
    description: 'Queries or reshapes JSON with a JSONata expression (filter, map, aggregate, restructure) and returns the result.',
    args,
    async run(a, ctx) {
      if (ctx.signal?.aborted) throw new Error('json_transform: aborted by the caller before evaluation');
      try {
        return { result: await evaluateJsonata(a.expression, a.data, options) };
      } catch (err) {
        throw new Error(`json_transform: ${(err as Error).message}`);
      }
    },
  };
}
