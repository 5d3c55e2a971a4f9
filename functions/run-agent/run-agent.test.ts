import { z } from 'zod';
import type { AgentDefinition } from '@shared/agents';
import type { EventDraft } from '@shared/events';
import type { NodeInvocation } from '@shared/runtime';
import { ToolRegistry } from '../run-tool/tool-registry';
import { echoTool } from '../run-tool/tools/echo';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { ScriptedModel, text, toolUse } from '../_shared/test-support/scripted-model';
import { MemoryUsageLedger } from '../_shared/usage-ledger';
import type { ChatModel, ChatRequest } from '../_shared/models/types';
import { DynamoAgentMemory, MemoryAgentMemory } from './agent-memory';
import { DynamoAgentStore, MemoryAgentStore } from './agent-store';
import { runAgent, type AgentOutput, type RunAgentDeps } from './run-agent';
import { toolboxFromRegistry } from './toolbox';

const pricing = () => ({ costUsd: 0, priced: false });
const adder = {
  name: 'add',
  description: 'Adds two numbers',
  args: z.object({ a: z.number(), b: z.number() }).strict(),
  async run({ a, b }: { a: number; b: number }) {
    return { sum: a + b };
  },
};
const broken = {
  name: 'flaky_api',
  description: 'Always fails',
  args: z.object({}).strict(),
  async run(): Promise<never> {
    throw new Error('upstream exploded');
  },
};
const registry = new ToolRegistry().register(echoTool).register(adder).register(broken);

function invocation(config: Record<string, unknown>, extra: Partial<NodeInvocation> = {}): NodeInvocation {
  return {
    execution: { id: `exec-${Math.random()}` },
    workflow: { name: 'wf', tenantId: 't1' },
    node: { id: 'agent1', type: 'agent' },
    config: { prompt: 'What is 2+3 for {{input.who}}?', models: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }], ...config },
    nodes: {},
    input: { who: 'Ada' },
    ...extra,
  };
}

function deps(model: ChatModel | ((refs: unknown) => ChatModel), extra: Partial<RunAgentDeps> = {}, events: EventDraft[] = []): RunAgentDeps {
  return {
    models: typeof model === 'function' ? (model as RunAgentDeps['models']) : () => model,
    tools: toolboxFromRegistry(registry),
    agents: new MemoryAgentStore([], 't1'),
    ledger: new MemoryUsageLedger(),
    pricing,
    emit: (e) => void events.push(e),
    ...extra,
  };
}

const toolResults = (req: ChatRequest | undefined) => JSON.stringify(req?.messages.at(-1)?.content);

describe('agent runtime', () => {
  it('runs a tool-use loop: calls the tool with validated arguments, feeds back the result, answers', async () => {
    const model = new ScriptedModel([[{ text: 'I will add.' }, ...toolUse('add', { a: 2, b: 3 })], text('The answer is 5.')]);
    const events: EventDraft[] = [];
    const result = await runAgent(invocation({ tools: ['add'], role: 'a careful calculator' }), deps(model, {}, events));
    expect(result.output).toEqual<AgentOutput>({ answer: 'The answer is 5.', stopReason: 'end_turn', steps: 2, toolCalls: [{ name: 'add', ok: true }] });
    expect(result.model).toEqual({ label: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', simulated: false });
    expect(model.requests[0]).toMatchObject({ system: expect.stringContaining('You are a careful calculator.'), tools: [{ name: 'add', inputSchema: expect.objectContaining({ type: 'object', required: ['a', 'b'] }) }] });
    expect(model.requests[0]?.messages[0]).toEqual({ role: 'user', content: [{ text: 'What is 2+3 for Ada?' }] });
    expect(toolResults(model.requests[1])).toContain('"sum":5');
    expect(events.map((e) => (e.type === 'log' ? (e.data as { kind: string }).kind : e.type))).toEqual(['reasoning', 'tool_call', 'tool_result', 'reasoning']);
    expect(result.usage).toMatchObject({ input_tokens: 200, output_tokens: 40 });
  });

  it('turns malformed arguments, unknown tools and throwing tools into observations, not crashes', async () => {
    const model = new ScriptedModel([
      toolUse('add', { a: 'two', b: 3 }),
      toolUse('teleport', {}),
      toolUse('flaky_api', {}),
      toolUse('add', { _raw: '{"a": 2, b' }),
      text('Giving up gracefully.'),
    ]);
    const result = await runAgent(invocation({ tools: ['add', 'flaky_api'] }), deps(model));
    expect(toolResults(model.requests[1])).toMatch(/"status":"error".*invalid arguments for tool .*add.*: a: Invalid input: expected number/);
    expect(toolResults(model.requests[2])).toContain('unknown tool \\"teleport\\"');
    expect(toolResults(model.requests[3])).toMatch(/flaky_api.{0,4} failed: upstream exploded/);
    expect(toolResults(model.requests[4])).toMatch(/invalid arguments for tool .{0,4}add.*Unrecognized key/);
    expect(result.output).toMatchObject({ answer: 'Giving up gracefully.', toolCalls: [{ name: 'add', ok: false }, { name: 'teleport', ok: false }, { name: 'flaky_api', ok: false }, { name: 'add', ok: false }] });
  });

  it('stops at maxSteps with the last text', async () => {
    const model = new ScriptedModel([[{ text: 'still thinking' }, ...toolUse('echo', { message: 1 })]]);
    const result = await runAgent(invocation({ tools: ['echo'], maxSteps: 3 }), deps(model));
    expect(result.output).toMatchObject({ stopReason: 'max_steps', steps: 3, answer: 'still thinking' });
    expect(model.requests).toHaveLength(3);
  });

  it('stops at a stop sequence and at maxTokens', async () => {
    const stop = await runAgent(invocation({ stopSequences: ['FINAL:'] }), deps(new ScriptedModel([text('draft FINAL: rest')])));
    expect(stop.output).toMatchObject({ stopReason: 'stop_sequence', answer: 'draft ' });
    const model = new ScriptedModel([toolUse('echo', { message: 1 })]);
    const tokens = await runAgent(invocation({ tools: ['echo'], maxTokens: 250 }), deps(model));
    expect(tokens.output).toMatchObject({ stopReason: 'max_tokens', steps: 3 });
  });

  it('refuses agents listing tools that are not registered', async () => {
    await expect(runAgent(invocation({ tools: ['add', 'nope'] }), deps(new ScriptedModel([text('x')])))).rejects.toMatchObject({ name: 'Stepflow.ValidationError', message: expect.stringContaining('not registered: nope') });
  });

  it('lets a supervisor delegate to registered agents exposed as tools and combine their answers', async () => {
    const researcher: AgentDefinition = { id: 'researcher', name: 'Researcher', description: 'finds facts', systemPrompt: 'You research.', models: [{ provider: 'bedrock', model: 'r' }], tools: ['echo'], delegates: [], maxSteps: 4 };
    const writer: AgentDefinition = { id: 'writer', name: 'Writer', description: 'writes', systemPrompt: 'You write.', models: [{ provider: 'bedrock', model: 'w' }], tools: [], delegates: ['researcher'], maxSteps: 4 };
    const supervisorModel = new ScriptedModel([
      [...toolUse('delegate_to_researcher', { task: 'facts about otters' }, 't1'), ...toolUse('delegate_to_writer', { task: 'a haiku' }, 't2')],
      text('Combined: otters float; haiku done.'),
    ]);
    const researcherModel = new ScriptedModel([text('Otters hold hands while sleeping.')]);
    const writerModel = new ScriptedModel([toolUse('delegate_to_researcher', { task: 'more' }), text('A haiku about otters.')]);
    const byModel: Record<string, ChatModel> = { r: researcherModel, w: writerModel, sup: supervisorModel };
    const agents = new MemoryAgentStore([researcher, writer], 't1');
    const events: EventDraft[] = [];
    const result = await runAgent(
      invocation({ prompt: 'Brief me on otters', models: [{ provider: 'bedrock', model: 'sup' }], delegates: ['researcher', 'writer'] }),
      deps((refs) => byModel[(refs as Array<{ model: string }>)[0]?.model as string] as ChatModel, { agents }, events),
    );
    expect(supervisorModel.requests[0]?.tools?.map((t) => t.name)).toEqual(['delegate_to_researcher', 'delegate_to_writer']);
    expect(toolResults(supervisorModel.requests[1])).toContain('Otters hold hands while sleeping.');
    expect(toolResults(supervisorModel.requests[1])).toContain('A haiku about otters.');
    expect(toolResults(writerModel.requests[1])).toContain('Otters hold hands');
    expect(result.output).toMatchObject({ answer: 'Combined: otters float; haiku done.', toolCalls: [{ name: 'delegate_to_researcher', ok: true }, { name: 'delegate_to_writer', ok: true }] });
    expect(events.filter((e) => e.type === 'log' && (e.data as { kind: string }).kind === 'delegation').length).toBe(3);
  });

  it('refuses delegation cycles with an observation', async () => {
    const loopy: AgentDefinition = { id: 'loopy', name: 'Loopy', description: '', systemPrompt: 'x', models: [{ provider: 'bedrock', model: 'l' }], tools: [], delegates: ['loopy'], maxSteps: 2 };
    const model = new ScriptedModel([toolUse('delegate_to_loopy', { task: 'again' }), text('ok')]);
    const result = await runAgent(invocation({ agentId: 'loopy', prompt: 'go', models: undefined }), deps(model, { agents: new MemoryAgentStore([loopy], 't1') }));
    expect(toolResults(model.requests[1])).toContain('already working on this task (loopy -> loopy)');
    expect(result.output).toMatchObject({ answer: 'ok' });
  });

  it('stops the run with BudgetExceeded mid-loop before a call would cross the budget', async () => {
    const model = new ScriptedModel([toolUse('echo', { message: 'x' })]);
    const ledger = new MemoryUsageLedger();
    await expect(runAgent(invocation({ tools: ['echo'], maxSteps: 10 }, { budget: { maxTokens: 1500 } }), deps(model, { ledger }))).rejects.toMatchObject({ name: 'Stepflow.BudgetExceeded' });
    expect(model.requests.length).toBeGreaterThan(0);
    expect(model.requests.length).toBeLessThan(10);
  });

  describe('session memory on DynamoDB (dynalite)', () => {
    let dynamo: LocalDynamo;
    beforeAll(async () => {
      dynamo = await startDynamo();
    });
    afterAll(async () => {
      await dynamo.stop();
    });

    it('remembers earlier exchanges of the session, windowed, and folds older ones into a summary', async () => {
      const memory = new DynamoAgentMemory(dynamo.doc, dynamo.tableName);
      let answers = 0;
      const model: ScriptedModel = new ScriptedModel([
        (req: ChatRequest) => {
          if (req.context?.agent === 'memory-summarizer') return text(`summary of ${req.messages.length} message(s)`);
          answers += 1;
          return text(`answer ${answers}`);
        },
      ]);
      const run = (n: number) => runAgent(invocation({ prompt: `question ${n}`, sessionId: 'chat-{{input.who}}' }), deps(model, { memory }));
      await run(1);
      await run(2);
      const second = model.requests[1];
      expect(second?.messages.map((m) => JSON.stringify(m.content))).toEqual(['[{"text":"question 1"}]', '[{"text":"answer 1"}]', '[{"text":"question 2"}]']);
      for (let i = 3; i <= 21; i += 1) await run(i);
      const view = await memory.load('t1', 'chat-Ada');
      expect(view.count).toBe(42);
      expect(view.summarizedUpTo).toBe(20);
      expect(view.summary).toMatch(/^summary of 1 message/);
      expect(view.messages).toHaveLength(20);
      const last = model.requests.at(-1);
      expect(last?.system).toContain('Summary of earlier conversation');
      expect(await new DynamoAgentMemory(dynamo.doc, dynamo.tableName).load('t2', 'chat-Ada')).toMatchObject({ count: 0, messages: [] });
    });

    it('runs a registered agent by id from the table', async () => {
      const store = new DynamoAgentStore(dynamo.doc, dynamo.tableName);
      await store.put('t1', { id: 'helper', name: 'Helper', description: '', systemPrompt: 'Be brief.', models: [{ provider: 'bedrock', model: 'm' }], tools: ['echo'], delegates: [], maxSteps: 2 });
      const model = new ScriptedModel([text('brief')]);
      const result = await runAgent(invocation({ agentId: 'helper', prompt: 'hi', models: undefined }), deps(model, { agents: store, memory: new MemoryAgentMemory() }));
      expect(model.requests[0]?.system).toBe('Be brief.');
      expect(model.requests[0]?.tools?.map((t) => t.name)).toEqual(['echo']);
      expect(result.output).toMatchObject({ answer: 'brief' });
      await expect(runAgent(invocation({ agentId: 'ghost', prompt: 'hi', models: undefined }), deps(model, { agents: store }))).rejects.toThrow('no registered agent "ghost"');
    });
  });
});
