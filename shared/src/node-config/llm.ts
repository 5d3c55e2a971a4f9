/**
 * The llm node's config (its own module, so the llm runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * llmConfigSchema.parse({ models: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }], prompt: 'Summarise {{input.text}}' });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { jsonSchemaSchema, modelRefSchema, templateString } from './common';

export const llmConfigSchema = z.strictObject({
  /** The fallback chain, tried in order on throttling, 5xx and timeouts. */
  models: z.array(modelRefSchema).check(z.minLength(1), z.maxLength(5)),
  system: z.optional(templateString),
  prompt: templateString.check(z.minLength(1)),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  maxTokens: z.optional(z.number().check(z.int(), z.gte(1), z.lte(200_000))),
  /** When set, the reply must be JSON matching this schema (one repair attempt). */
  outputSchema: z.optional(jsonSchemaSchema),
  /** Stream deltas as `log` events. */
  stream: z._default(z.boolean(), false),
});
