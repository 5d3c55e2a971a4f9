/**
 * Building blocks of node configs, shared by the per-type config modules beside this one.
 *
 * @example
 * ```ts
 * modelRefSchema.parse({ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' });
 * referenceStringSchema.parse('{{nodes.search.output.items}}');
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { WorkflowLimits } from '../workflow-constants';

/** An arbitrary JSON Schema document (validated as a JSON object; checked deeper by the runtimes). */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).check(
  z.refine((s) => typeof s.type === 'string' || 'properties' in s || 'oneOf' in s || 'anyOf' in s, {
    message: 'must be a JSON Schema object with a "type" (e.g. {"type":"object","properties":{...}})',
  }),
);
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

/** A string that is exactly one reference, e.g. `{{nodes.search.output.items}}`. */
export const referenceStringSchema = z.string().check(z.regex(/^\{\{[^{}]+\}\}$/, 'must be a single reference such as {{nodes.<id>.output.items}}'));

/** A JSON value that may contain templates. */
export const templateValueSchema: z.ZodMiniType<unknown> = z.unknown();

/** A string field of a config: it may contain templates. */
export const templateString = z.string().check(z.maxLength(WorkflowLimits.maxStringLength));
/** Keys to values that may contain templates. */
export const mappingSchema = z.record(z.string().check(z.minLength(1), z.maxLength(128)), templateValueSchema);

/** One model in an LLM node's fallback chain. */
export const modelRefSchema = z.strictObject({
  provider: z.enum(['bedrock', 'openai_compatible', 'local']),
  /** Bedrock model id or inference profile, an OpenAI-compatible model name, or a local fixture name. */
  model: z.string().check(z.minLength(1), z.maxLength(256)),
  /** For openai_compatible: the endpoint's base URL. */
  baseUrl: z.optional(z.url()),
  /** Name of the secret holding the API key (never the key itself). */
  apiKeySecret: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});
export type ModelRef = z.infer<typeof modelRefSchema>;
