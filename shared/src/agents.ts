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
import { z } from 'zod';
import { modelRefSchema } from './node-config/common';

export const agentIdSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, _ or -, starting with a letter');

export const agentDefinitionSchema = z.strictObject({
  id: agentIdSchema,
  name: z.string().min(1).max(128),
  /** What this agent is for; shown to a supervisor that may delegate to it. */
  description: z.string().max(2048).default(''),
  role: z.string().max(256).optional(),
  systemPrompt: z.string().min(1).max(65_536),
  models: z.array(modelRefSchema).min(1).max(5),
  tools: z.array(z.string().min(1).max(128)).max(64).default([]),
  delegates: z.array(agentIdSchema).max(16).default([]),
  maxSteps: z.number().int().min(1).max(100).default(10),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
});
export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;
