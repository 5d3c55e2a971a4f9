/**
 * The agent node's config (its own module, so the agent runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * agentConfigSchema.parse({ agentId: 'researcher', prompt: 'Find sources on {{input.topic}}' });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { modelRefSchema, templateString } from './common';

export const agentConfigSchema = z
  .strictObject({
    /** A registered agent definition to run; inline fields below override it. */
    agentId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    role: z.optional(z.string().check(z.maxLength(256))),
    systemPrompt: z.optional(templateString),
    /** The task handed to the agent. */
    prompt: templateString.check(z.minLength(1)),
    models: z.optional(z.array(modelRefSchema).check(z.minLength(1), z.maxLength(5))),
    /** Tool names from the tool registry. */
    tools: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(64)), []),
    /** Other registered agents this one may delegate to (exposed to it as tools). */
    delegates: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(16)), []),
    maxSteps: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 10),
    maxTokens: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
    /** Stop when the final answer contains one of these strings. */
    stopSequences: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.maxLength(8))),
    /** Memory key: runs with the same session id share memory. Templates allowed. */
    sessionId: z.optional(z.string().check(z.maxLength(512))),
  })
  .check(
    z.refine((c) => c.agentId !== undefined || c.models !== undefined, {
      message: 'set agentId (a registered agent) or models (an inline agent)',
      path: ['models'],
    }),
  );
