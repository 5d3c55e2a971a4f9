/**
 * The llm node's config (its own module, so the llm runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * llmConfigSchema.parse({ models: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }], prompt: 'Summarise {{input.text}}' });
 * ```
 */
import { z } from 'zod';
import { jsonSchemaSchema, modelRefSchema, templateString } from './common';

export const llmConfigSchema = z.strictObject({
  /** The fallback chain, tried in order on throttling, 5xx and timeouts. */
  models: z.array(modelRefSchema).min(1).max(5),
  system: templateString.optional(),
  prompt: templateString.min(1),
  temperature: z.number().min(0).max(1).optional(),
  maxTokens: z.number().int().min(1).max(200_000).optional(),
  /** When set, the reply must be JSON matching this schema (one repair attempt). */
  outputSchema: jsonSchemaSchema.optional(),
  /** Stream deltas as `log` events. */
  stream: z.boolean().default(false),
});
