/**
 * The agent runtime: a bounded tool-use (ReAct) loop on the Converse tool-use protocol.
 *
 * Each step the model either answers or asks for tools; tool calls run with validated arguments
 * and their results (or errors, as observations the model can react to) go back as tool results.
 * The loop stops at a final answer, a stop sequence, `maxSteps` or `maxTokens`. A supervisor can
 * delegate to other registered agents, which it sees as tools. Every step — the model's text,
 * each tool call and result — is published as a `log` event. Sessions remember past exchanges.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import type { AgentDefinition } from '@shared/agents';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { agentConfigSchema } from '@shared/node-config/agent';
import type { ModelRef } from '@shared/node-config/common';
import { DEFAULT_TENANT } from '../_shared/data/keys';
import type { Emit } from '../_shared/emit';
import { callModel, modelLabel, UsageMeter, type ModelCallDeps } from '../_shared/model-calls';
import { textOf, type ChatMessage, type ChatModel, type ContentBlock, type ModelIdentity, type ToolSpec } from '../_shared/models/types';
import type { AgentMemory } from './agent-memory';
import type { AgentStore } from './agent-store';

/** What the agent can call: tool specs for the model and a call that never throws. */
export interface AgentToolbox {
  /** Specs of the named tools; unknown names are listed in `missing`. */
  specs(names: readonly string[]): { specs: ToolSpec[]; missing: string[] };
  call(name: string, args: unknown, signal?: AbortSignal): Promise<{ ok: true; result: unknown } | { ok: false; error: string }>;
}

export interface RunAgentDeps extends ModelCallDeps {
  readonly models: (refs: readonly ModelRef[]) => ChatModel;
  readonly tools: AgentToolbox;
  readonly agents: AgentStore;
  readonly memory?: AgentMemory;
  readonly emit: Emit;
  readonly signal?: AbortSignal;
  /** How deep delegation may nest. @default 3 */
  readonly maxDelegationDepth?: number;
}

/** The agent node's output. */
export interface AgentOutput {
  /** The final answer. */
  readonly answer: string;
  readonly stopReason: 'end_turn' | 'stop_sequence' | 'max_steps' | 'max_tokens';
  readonly steps: number;
  readonly toolCalls: ReadonlyArray<{ readonly name: string; readonly ok: boolean }>;
}

interface ResolvedAgent {
  readonly id: string;
  readonly name: string;
  readonly systemPrompt: string;
  readonly models: readonly ModelRef[];
  readonly tools: readonly string[];
  readonly delegates: readonly string[];
  readonly maxSteps: number;
  readonly maxTokens?: number;
  readonly stopSequences?: readonly string[];
}

const DELEGATE_PREFIX = 'delegate_to_';
const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * @example
 * ```ts
 * const { output, usage } = await runAgent(invocation, { models, tools, agents, memory, ledger, pricing, emit });
 * ```
 */
export async function runAgent(invocation: NodeInvocation, deps: RunAgentDeps): Promise<NodeResult> {
  const parsed = agentConfigSchema.safeParse(invocation.config);
  if (!parsed.success) throw new NodeError(ErrorNames.Validation, `agent node "${invocation.node.id}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
  const config = parsed.data;
  const tenantId = invocation.workflow.tenantId ?? DEFAULT_TENANT;
  const scope = scopeOf(invocation);
  let base: AgentDefinition | undefined;
  if (config.agentId) {
    base = await deps.agents.get(tenantId, config.agentId);
    if (!base) throw new NodeError(ErrorNames.Validation, `agent node "${invocation.node.id}": no registered agent "${config.agentId}"`, { retryable: false });
  }
  const systemPrompt = config.systemPrompt === undefined ? base?.systemPrompt : asText(renderValue(config.systemPrompt, scope));
  const agent: ResolvedAgent = {
    id: base?.id ?? invocation.node.id,
    name: base?.name ?? config.role ?? invocation.node.id,
    systemPrompt: [config.role ? `You are ${config.role}.` : base?.role ? `You are ${base.role}.` : '', systemPrompt ?? 'You are a helpful agent.'].filter(Boolean).join(' '),
    models: config.models ?? base?.models ?? [],
    tools: config.tools.length > 0 ? config.tools : (base?.tools ?? []),
    delegates: config.delegates.length > 0 ? config.delegates : (base?.delegates ?? []),
    maxSteps: config.agentId && invocation.config.maxSteps === undefined ? (base?.maxSteps ?? config.maxSteps) : config.maxSteps,
    ...((config.maxTokens ?? base?.maxTokens) !== undefined ? { maxTokens: config.maxTokens ?? base?.maxTokens } : {}),
    ...(config.stopSequences ? { stopSequences: config.stopSequences } : {}),
  };
  const task = asText(renderValue(config.prompt, scope));
  const sessionId = config.sessionId === undefined ? undefined : asText(renderValue(config.sessionId, scope));
  const meter = new UsageMeter();
  const run = new AgentRun(deps, invocation, tenantId, meter);
  const { identity, ...output } = await run.execute(agent, task, sessionId, [agent.id]);
  return { output, usage: meter.toEventUsage(), model: { label: modelLabel(identity), simulated: identity.simulated } };
}

class AgentRun {
  constructor(
    private readonly deps: RunAgentDeps,
    private readonly invocation: NodeInvocation,
    private readonly tenantId: string,
    private readonly meter: UsageMeter,
  ) {}

  private log(message: string, data: Record<string, unknown>, level: 'info' | 'warn' = 'info') {
    return this.deps.emit({ type: 'log', node_id: this.invocation.node.id, level, message: message.slice(0, 60_000), data });
  }

  async execute(agent: ResolvedAgent, task: string, sessionId: string | undefined, chain: readonly string[]): Promise<AgentOutput & { identity: ModelIdentity }> {
    const { deps } = this;
    if (agent.models.length === 0) throw new NodeError(ErrorNames.Validation, `agent "${agent.id}" has no models`);
    const model = deps.models(agent.models);
    const { specs, missing } = deps.tools.specs(agent.tools);
    if (missing.length > 0) {
      throw new NodeError(ErrorNames.Validation, `agent "${agent.id}" lists tools that are not registered: ${missing.join(', ')}`, { retryable: false });
    }
    const delegates = new Map<string, AgentDefinition>();
    for (const id of agent.delegates) {
      const def = await deps.agents.get(this.tenantId, id);
      if (!def) throw new NodeError(ErrorNames.Validation, `agent "${agent.id}" delegates to "${id}", which is not registered`, { retryable: false });
      delegates.set(`${DELEGATE_PREFIX}${id.replace(/-/g, '_')}`, def);
    }
    const toolSpecs: ToolSpec[] = [
      ...specs,
      ...[...delegates].map(([name, def]) => ({
        name,
        description: `Hand a task to the agent "${def.name}"${def.description ? ` (${def.description})` : ''} and get its answer.`,
        inputSchema: { type: 'object', properties: { task: { type: 'string', description: 'What the agent should do, with all the context it needs' } }, required: ['task'], additionalProperties: false },
      })),
    ];

    const memory = sessionId && deps.memory ? await deps.memory.load(this.tenantId, sessionId) : undefined;
    const system = memory?.summary ? `${agent.systemPrompt}\n\nSummary of earlier conversation in this session:\n${memory.summary}` : agent.systemPrompt;
    const userTurn: ChatMessage = { role: 'user', content: [{ text: task }] };
    const messages: ChatMessage[] = [...(memory?.messages ?? []), userTurn];
    const toolCalls: Array<{ name: string; ok: boolean }> = [];
    let lastText = '';
    let stopReason: AgentOutput['stopReason'] = 'max_steps';
    let steps = 0;
    let identity = model.identity;
    const spentAtStart = this.meter.inputTokens + this.meter.outputTokens;

    while (steps < agent.maxSteps) {
      if (agent.maxTokens !== undefined && this.meter.inputTokens + this.meter.outputTokens - spentAtStart >= agent.maxTokens) {
        stopReason = 'max_tokens';
        break;
      }
      steps += 1;
      const response = await callModel(
        model,
        { system, messages, ...(toolSpecs.length > 0 ? { tools: toolSpecs } : {}), ...(agent.stopSequences ? { stopSequences: agent.stopSequences } : {}), context: { nodeId: this.invocation.node.id, executionId: this.invocation.execution.id, agent: agent.id } },
        deps,
        { executionId: this.invocation.execution.id, ...(this.invocation.budget ? { budget: this.invocation.budget } : {}), meter: this.meter, ...(deps.signal ? { options: { signal: deps.signal } } : {}) },
      );
      identity = response.model;
      const text = textOf(response.content);
      if (text) {
        lastText = text;
        await this.log(text, { agent: agent.id, step: steps, kind: 'reasoning', model: modelLabel(identity), simulated: identity.simulated });
      }
      messages.push({ role: 'assistant', content: response.content });
      const uses = response.content.filter((b): b is Extract<ContentBlock, { toolUse: unknown }> => 'toolUse' in b);
      const hitStop = agent.stopSequences?.find((s) => text.includes(s));
      if (hitStop !== undefined) {
        lastText = text.slice(0, text.indexOf(hitStop));
        stopReason = 'stop_sequence';
        break;
      }
      if (uses.length === 0) {
        stopReason = response.stopReason === 'max_tokens' ? 'max_tokens' : 'end_turn';
        break;
      }
      const results: ContentBlock[] = [];
      for (const { toolUse } of uses) {
        await this.log(`calls ${toolUse.name}`, { agent: agent.id, step: steps, kind: 'tool_call', tool: toolUse.name, input: toolUse.input });
        const delegate = delegates.get(toolUse.name);
        const outcome = delegate ? await this.delegate(delegate, toolUse.input, chain) : await deps.tools.call(toolUse.name, toolUse.input, deps.signal);
        toolCalls.push({ name: toolUse.name, ok: outcome.ok });
        await this.log(outcome.ok ? `${toolUse.name} returned` : `${toolUse.name} failed: ${outcome.error}`, { agent: agent.id, step: steps, kind: 'tool_result', tool: toolUse.name, ok: outcome.ok, ...(outcome.ok ? { result: outcome.result } : { error: outcome.error }) }, outcome.ok ? 'info' : 'warn');
        results.push({
          toolResult: {
            toolUseId: toolUse.toolUseId,
            status: outcome.ok ? 'success' : 'error',
            content: outcome.ok ? [isJsonObject(outcome.result) ? { json: outcome.result } : { text: asText(outcome.result) }] : [{ text: outcome.error }],
          },
        });
      }
      messages.push({ role: 'user', content: results });
    }

    if (sessionId && deps.memory) await this.remember(sessionId, userTurn, lastText, model);
    return { answer: lastText, stopReason, steps, toolCalls, identity };
  }

  private async delegate(def: AgentDefinition, input: unknown, chain: readonly string[]): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
    const task = (input as { task?: unknown } | null)?.task;
    if (typeof task !== 'string' || task.trim() === '') return { ok: false, error: 'invalid arguments: "task" must be a non-empty string' };
    if (chain.includes(def.id)) return { ok: false, error: `cannot delegate to "${def.id}": it is already working on this task (${[...chain, def.id].join(' -> ')})` };
    if (chain.length > (this.deps.maxDelegationDepth ?? 3)) return { ok: false, error: `delegation deeper than ${this.deps.maxDelegationDepth ?? 3} levels is not allowed` };
    await this.log(`delegates to ${def.id}`, { agent: chain[chain.length - 1], kind: 'delegation', to: def.id, task });
    const sub: ResolvedAgent = { id: def.id, name: def.name, systemPrompt: def.role ? `You are ${def.role}. ${def.systemPrompt}` : def.systemPrompt, models: def.models, tools: def.tools, delegates: def.delegates, maxSteps: def.maxSteps, ...(def.maxTokens ? { maxTokens: def.maxTokens } : {}) };
    try {
      const out = await this.execute(sub, task, undefined, [...chain, def.id]);
      return { ok: true, result: { agent: def.id, answer: out.answer, stopReason: out.stopReason } };
    } catch (err) {
      if (err instanceof NodeError && err.name === ErrorNames.BudgetExceeded) throw err;
      return { ok: false, error: `agent "${def.id}" failed: ${(err as Error).message}` };
    }
  }

  private async remember(sessionId: string, userTurn: ChatMessage, answer: string, model: ChatModel): Promise<void> {
    const memory = this.deps.memory as AgentMemory;
    await memory.append(this.tenantId, sessionId, [userTurn, { role: 'assistant', content: [{ text: answer || '(no answer)' }] }]);
    const view = await memory.load(this.tenantId, sessionId);
    // Fold what falls out of the window into the summary once a window's worth has piled up.
    const upTo = view.count - 20;
    if (upTo - view.summarizedUpTo < 20) return;
    const older = await memory.range(this.tenantId, sessionId, view.summarizedUpTo, upTo);
    const transcript = older.map((m) => `${m.role}: ${textOf(m.content)}`).join('\n');
    try {
      const res = await callModel(
        model,
        {
          system: 'You maintain a running summary of a conversation. Keep facts, decisions and open questions; be concise.',
          messages: [{ role: 'user', content: [{ text: `Previous summary:\n${view.summary ?? '(none)'}\n\nNew messages:\n${transcript}\n\nWrite the updated summary.` }] }],
          maxTokens: 512,
          context: { nodeId: this.invocation.node.id, agent: 'memory-summarizer' },
        },
        this.deps,
        { executionId: this.invocation.execution.id, ...(this.invocation.budget ? { budget: this.invocation.budget } : {}), meter: this.meter },
      );
      await memory.setSummary(this.tenantId, sessionId, textOf(res.content), upTo);
    } catch (err) {
      // The window still bounds what the next run sees; summarising can wait for the next run.
      await this.log(`could not summarise session memory: ${(err as Error).message}`, { kind: 'memory' }, 'warn');
    }
  }
}

function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
