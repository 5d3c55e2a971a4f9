/**
 * The code node's config (its own module, so the code runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * codeConfigSchema.parse({ source: 'return inputs.n * 2;', inputs: { n: '{{input.n}}' } });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { mappingSchema } from './common';

export const codeConfigSchema = z.strictObject({
  language: z._default(z.literal('javascript'), 'javascript'),
  /** The body of `async function main(inputs) { ... }`; its return value is the node's output. */
  source: z.string().check(z.minLength(1), z.maxLength(65_536)),
  inputs: z._default(mappingSchema, {}),
  timeoutMs: z._default(z.number().check(z.int(), z.gte(10), z.lte(60_000)), 2000),
  memoryMb: z._default(z.number().check(z.int(), z.gte(16), z.lte(1024)), 64),
});
