/**
 * The wait node's config (its own module, so the callback runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * waitConfigSchema.parse({ mode: 'event', eventName: 'invoice-paid', timeoutSeconds: 3600 });
 * ```
 */
import { z } from 'zod';
import { WorkflowLimits } from '../workflow-constants';
import { referenceStringSchema } from './common';

export const waitConfigSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('duration'), seconds: z.number().int().min(0).max(WorkflowLimits.standardMaxSeconds) }),
  z.strictObject({
    mode: z.literal('until'),
    /** An ISO-8601 timestamp, or a reference to one. */
    timestamp: z.union([z.iso.datetime({ offset: true }), referenceStringSchema]),
  }),
  z.strictObject({
    mode: z.literal('event'),
    /** Name of the external event that resumes the run. */
    eventName: z.string().min(1).max(128),
    timeoutSeconds: z.number().int().min(1).max(WorkflowLimits.standardMaxSeconds),
  }),
]);
