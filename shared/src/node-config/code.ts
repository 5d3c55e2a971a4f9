/**
 * The code node's config (its own module, so the code runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * codeConfigSchema.parse({ source: 'return inputs.n * 2;', inputs: { n: '{{input.n}}' } });
 * ```
 */
import { z } from 'zod';
import { mappingSchema } from './common';

export const codeConfigSchema = z.strictObject({
  language: z.literal('javascript').default('javascript'),
  /** The body of `async function main(inputs) { ... }`; its return value is the node's output. */
  source: z.string().min(1).max(65_536),
  inputs: mappingSchema.default({}),
  timeoutMs: z.number().int().min(10).max(60_000).default(2000),
  memoryMb: z.number().int().min(16).max(1024).default(64),
});
