/**
 * The human_input node's config (its own module, so the human-input runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * humanInputConfigSchema.parse({ prompt: 'Approve?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } });
 * ```
 */
import { z } from 'zod';
import { WorkflowLimits } from '../workflow-constants';
import { jsonSchemaSchema, templateString } from './common';

export const humanInputConfigSchema = z.strictObject({
  prompt: templateString.min(1),
  /** The answer must satisfy this schema before the run continues. */
  inputSchema: jsonSchemaSchema,
  timeoutSeconds: z.number().int().min(1).max(WorkflowLimits.standardMaxSeconds).default(86_400),
  /** Users or roles who may answer; default: anyone who may run the workflow. */
  assignees: z.array(z.string().min(1).max(256)).max(32).optional(),
});
