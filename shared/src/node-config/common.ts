/**
 * Building blocks of node configs, shared by the per-type config modules beside this one.
 *
 * @example
 * ```ts
 * modelRefSchema.parse({ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' });
 * referenceStringSchema.parse('{{nodes.search.output.items}}');
 * ```
 */
import { z } from 'zod';
import { WorkflowLimits } from '../workflow-constants';

/** An arbitrary JSON Schema document (validated as a JSON object; checked deeper by the runtimes). */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).refine((s) => typeof s.type === 'string' || 'properties' in s || 'oneOf' in s || 'anyOf' in s, {
  message: 'must be a JSON Schema object with a "type" (e.g. {"type":"object","properties":{...}})',
});
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

/** A string that is exactly one reference, e.g. `{{nodes.search.output.items}}`. */
export const referenceStringSchema = z
  .string()
  .regex(/^\{\{[^{}]+\}\}$/, 'must be a single reference such as {{nodes.<id>.output.items}}');

/** A JSON value that may contain templates. */
export const templateValueSchema: z.ZodType<unknown> = z.unknown();

/** A string field of a config: it may contain templates. */
export const templateString = z.string().max(WorkflowLimits.maxStringLength);
/** Keys to values that may contain templates. */
export const mappingSchema = z.record(z.string().min(1).max(128), templateValueSchema);

/** One model in an LLM node's fallback chain. */
export const modelRefSchema = z.strictObject({
  provider: z.enum(['bedrock', 'openai_compatible', 'local']),
  /** Bedrock model id or inference profile, an OpenAI-compatible model name, or a local fixture name. */
  model: z.string().min(1).max(256),
  /** For openai_compatible: the endpoint's base URL. */
  baseUrl: z.url().optional(),
  /** Name of the secret holding the API key (never the key itself). */
  apiKeySecret: z.string().min(1).max(256).optional(),
});
export type ModelRef = z.infer<typeof modelRefSchema>;
