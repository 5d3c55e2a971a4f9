/**
 * The wait node's config (its own module, so the callback runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * waitConfigSchema.parse({ mode: 'event', eventName: 'invoice-paid', timeoutSeconds: 3600 });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { WorkflowLimits } from '../workflow-constants';
import { referenceStringSchema } from './common';

export const waitConfigSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('duration'), seconds: z.number().check(z.int(), z.gte(0), z.lte(WorkflowLimits.standardMaxSeconds)) }),
  z.strictObject({
    mode: z.literal('until'),
    /** An ISO-8601 timestamp, or a reference to one. */
    timestamp: z.union([z.iso.datetime({ offset: true }), referenceStringSchema]),
  }),
  z.strictObject({
    mode: z.literal('event'),
    /** Name of the external event that resumes the run. */
    eventName: z.string().check(z.minLength(1), z.maxLength(128)),
    timeoutSeconds: z.number().check(z.int(), z.gte(1), z.lte(WorkflowLimits.standardMaxSeconds)),
  }),
]);
