/**
 * The AI runtimes (llm, agent, code) wired for one machine: models from the factory (the local
 * model unless real providers are configured — never silently), the usage ledger, agent memory
 * and registered agents in memory unless stores are given, and the code sandbox.
 */
import type { AgentDefinition } from '@shared/agents';
import { nodeInvocationSchema } from '@shared/runtime';
import type { ModelRef } from '@shared/workflow';
import { createModelChain, type ChatModelDeps } from '../../functions/_shared/models/factory';
import { LocalModel } from '../../functions/_shared/models/local-model';
import { costOf } from '../../functions/_shared/models/pricing';
import type { ChatModel } from '../../functions/_shared/models/types';
import { MemoryUsageLedger, type UsageLedger } from '../../functions/_shared/usage-ledger';
import { invokeLlm } from '../../functions/invoke-llm/invoke-llm';
import { MemoryAgentMemory, type AgentMemory } from '../../functions/run-agent/agent-memory';
import { MemoryAgentStore, type AgentStore } from '../../functions/run-agent/agent-store';
import { runAgent } from '../../functions/run-agent/run-agent';
import { toolboxFromRegistry } from '../../functions/run-agent/toolbox';
import { runCode } from '../../functions/run-code/run-code';
import type { ToolRegistry } from '../../functions/run-tool/tool-registry';
import type { NodeHandler } from './runtimes';

export interface AiRuntimeOptions {
  /** `local` (default) serves every model from the deterministic local model, labelled simulated. */
  readonly modelMode?: 'local' | 'real';
  /** A fixture file of scripted replies for the local model. */
  readonly localModelFixture?: string;
  /** Extra model dependencies for real mode (a Bedrock client, fetch, secrets). */
  readonly modelDeps?: Omit<ChatModelDeps, 'mode' | 'local'>;
  readonly ledger?: UsageLedger;
  readonly memory?: AgentMemory;
  readonly agents?: AgentStore | readonly AgentDefinition[];
  readonly tools: ToolRegistry;
}

/**
 * @example
 * ```ts
 * const runtimes = defaultRuntimes().with(aiRuntimes({ tools: defaultTools() }));
 * ```
 */
export function aiRuntimes(opts: AiRuntimeOptions): { llm: NodeHandler; agent: NodeHandler; code: NodeHandler } {
  const local = opts.localModelFixture ? LocalModel.fromFile(opts.localModelFixture) : LocalModel.default();
  const mode = opts.modelMode ?? 'local';
  const models = (refs: readonly ModelRef[]): ChatModel => createModelChain(refs, { ...opts.modelDeps, mode, local });
  const ledger = opts.ledger ?? new MemoryUsageLedger();
  const memory = opts.memory ?? new MemoryAgentMemory();
  const agents = Array.isArray(opts.agents) ? new MemoryAgentStore(opts.agents) : ((opts.agents as AgentStore | undefined) ?? new MemoryAgentStore());
  const tools = toolboxFromRegistry(opts.tools);
  return {
    llm: async (event, ctx) => invokeLlm(nodeInvocationSchema.parse(event), { models, ledger, pricing: costOf, emit: ctx.emit, signal: ctx.signal }),
    agent: async (event, ctx) => runAgent(nodeInvocationSchema.parse(event), { models, tools, agents, memory, ledger, pricing: costOf, emit: ctx.emit, signal: ctx.signal }),
    code: async (event, ctx) => {
      const invocation = nodeInvocationSchema.parse(event);
      const { output, logs } = await runCode(invocation);
      for (const line of logs) ctx.emit({ type: 'log', node_id: invocation.node.id, level: 'info', message: line, data: { source: 'console' } });
      return { output };
    },
  };
}
