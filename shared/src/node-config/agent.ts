/**
 * The agent node's config (its own module, so the agent runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * agentConfigSchema.parse({ agentId: 'researcher', prompt: 'Find sources on {{input.topic}}' });
 * ```
 */
import { z } from 'zod';
import { modelRefSchema, templateString } from './common';

export const agentConfigSchema = z
  .strictObject({
    /** A registered agent definition to run; inline fields below override it. */
    agentId: z.string().min(1).max(128).optional(),
    role: z.string().max(256).optional(),
    systemPrompt: templateString.optional(),
    /** The task handed to the agent. */
    prompt: templateString.min(1),
    models: z.array(modelRefSchema).min(1).max(5).optional(),
    /** Tool names from the tool registry. */
    tools: z.array(z.string().min(1).max(128)).max(64).default([]),
    /** Other registered agents this one may delegate to (exposed to it as tools). */
    delegates: z.array(z.string().min(1).max(128)).max(16).default([]),
    maxSteps: z.number().int().min(1).max(100).default(10),
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    /** Stop when the final answer contains one of these strings. */
    stopSequences: z.array(z.string().min(1).max(256)).max(8).optional(),
    /** Memory key: runs with the same session id share memory. Templates allowed. */
    sessionId: z.string().max(512).optional(),
  })
  .refine((c) => c.agentId !== undefined || c.models !== undefined, {
    message: 'set agentId (a registered agent) or models (an inline agent)',
    path: ['models'],
  });
