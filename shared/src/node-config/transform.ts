/**
 * The transform node's config (its own module, so the transform runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * transformConfigSchema.parse({ mode: 'jsonata', expression: '$sum(inputs.prices)', inputs: { prices: '{{nodes.cart.output.prices}}' } });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { mappingSchema } from './common';

export const transformConfigSchema = z.discriminatedUnion('mode', [
  /** A field mapping evaluated inside the state machine (no Lambda). */
  z.strictObject({ mode: z.literal('mapping'), mapping: mappingSchema }),
  /** A JSONata expression over `inputs`, evaluated by the transform runtime. */
  z.strictObject({ mode: z.literal('jsonata'), expression: z.string().check(z.minLength(1), z.maxLength(65_536)), inputs: z._default(mappingSchema, {}) }),
]);
