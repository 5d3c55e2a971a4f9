/**
 * Registered agent definitions: reusable agents that agent nodes run by id and that supervisors
 * can delegate to.
 *
 * @example
 * ```ts
 * agentDefinitionSchema.parse({ id: 'researcher', name: 'Researcher', systemPrompt: 'You research.',
 *   models: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }], tools: ['http_request'] });
 * ```
 */
import * as z from 'zod/mini';
import './zod-en';
import { modelRefSchema } from './node-config/common';

export const agentIdSchema = z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, _ or -, starting with a letter'));

export const agentDefinitionSchema = z.strictObject({
  id: agentIdSchema,
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  /** What this agent is for; shown to a supervisor that may delegate to it. */
  description: z._default(z.string().check(z.maxLength(2048)), ''),
  role: z.optional(z.string().check(z.maxLength(256))),
  systemPrompt: z.string().check(z.minLength(1), z.maxLength(65_536)),
  models: z.array(modelRefSchema).check(z.minLength(1), z.maxLength(5)),
  tools: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(64)), []),
  delegates: z._default(z.array(agentIdSchema).check(z.maxLength(16)), []),
  maxSteps: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 10),
  maxTokens: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1_000_000))),
});
export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;
