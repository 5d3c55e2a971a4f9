/**
 * The human_input node's config (its own module, so the human-input runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * humanInputConfigSchema.parse({ prompt: 'Approve?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { WorkflowLimits } from '../workflow-constants';
import { jsonSchemaSchema, templateString } from './common';

export const humanInputConfigSchema = z.strictObject({
  prompt: templateString.check(z.minLength(1)),
  /** The answer must satisfy this schema before the run continues. */
  inputSchema: jsonSchemaSchema,
  timeoutSeconds: z._default(z.number().check(z.int(), z.gte(1), z.lte(WorkflowLimits.standardMaxSeconds)), 86_400),
  /** Users or roles who may answer; default: anyone who may run the workflow. */
  assignees: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.maxLength(32))),
});
