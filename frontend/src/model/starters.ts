/**
 * A new node's config: the smallest value its shared schema accepts the shape of (generated),
 * seeded where that value is never useful on its own (a model id, an answer schema).
 */
import type { NodeType } from '@shared/workflow';
import { configJsonSchema, defaultValue } from '../forms/json-schema';

const seeds: Partial<Record<NodeType, Record<string, unknown>>> = {
  llm: { models: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }] },
  human_input: { inputSchema: { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] } },
  code: { source: 'return { ok: true };' },
};

/** The config a node of this type starts with. */
export function starterConfig(type: NodeType): Record<string, unknown> {
  const schema = configJsonSchema(type);
  const generated = (defaultValue(schema, { root: schema }) ?? {}) as Record<string, unknown>;
  return { ...generated, ...structuredClone(seeds[type] ?? {}) };
}
