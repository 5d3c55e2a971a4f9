import type { EventDraft } from '@shared/events';
import type { NodeInvocation } from '@shared/runtime';
import { ProviderError } from '../_shared/models/types';
import { ScriptedModel, text } from '../_shared/test-support/scripted-model';
import { MemoryUsageLedger } from '../_shared/usage-ledger';
import { invokeLlm, parseJsonReply } from './invoke-llm';

const pricing = () => ({ costUsd: 0.001, priced: true });

function invocation(config: Record<string, unknown>, extra: Partial<NodeInvocation> = {}): NodeInvocation {
  return {
    execution: { id: `exec-${Math.random()}` },
    workflow: { name: 'wf' },
    node: { id: 'classify', type: 'llm' },
    config: { models: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }], ...config },
    nodes: { fetch: { output: { body: 'Printer on fire' } } },
    input: { customer: 'ACME' },
    ...extra,
  };
}

const schema = { type: 'object', properties: { priority: { enum: ['low', 'high'] } }, required: ['priority'], additionalProperties: false };

describe('llm runtime', () => {
  it('renders the prompt from upstream results and input, and reports usage and the answering model', async () => {
    const model = new ScriptedModel([text('A fire. Call someone.')]);
    const ledger = new MemoryUsageLedger();
    const inv = invocation({ system: 'You help {{input.customer}}.', prompt: 'Ticket: {{nodes.fetch.output.body}}' });
    const result = await invokeLlm(inv, { models: () => model, ledger, pricing, emit: () => undefined });
    expect(model.requests[0]).toMatchObject({ system: 'You help ACME.', messages: [{ role: 'user', content: [{ text: 'Ticket: Printer on fire' }] }], context: { nodeId: 'classify' } });
    expect(result.output).toEqual({ text: 'A fire. Call someone.', stopReason: 'end_turn' });
    expect(result.model).toEqual({ label: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', simulated: false });
    expect(result.usage).toEqual({ input_tokens: 100, output_tokens: 20, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.001 });
    expect(await ledger.totals(inv.execution.id)).toMatchObject({ tokens: 120, calls: 1, costUsd: 0.001 });
  });

  it('returns structured output parsed and validated against outputSchema', async () => {
    const model = new ScriptedModel([text('```json\n{"priority":"high"}\n```')]);
    const result = await invokeLlm(invocation({ prompt: 'classify', outputSchema: schema }), { models: () => model, ledger: new MemoryUsageLedger(), pricing, emit: () => undefined });
    expect(result.output).toEqual({ priority: 'high' });
    expect(model.requests[0]?.system).toContain('"enum":["low","high"]');
  });

  it('repairs an invalid reply once, telling the model what was wrong', async () => {
    const model = new ScriptedModel([text('{"priority":"urgent"}'), text('{"priority":"high"}')]);
    const events: EventDraft[] = [];
    const result = await invokeLlm(invocation({ prompt: 'classify', outputSchema: schema }), { models: () => model, ledger: new MemoryUsageLedger(), pricing, emit: (e) => void events.push(e) });
    expect(result.output).toEqual({ priority: 'high' });
    expect(model.requests).toHaveLength(2);
    expect(JSON.stringify(model.requests[1]?.messages.at(-1))).toContain('/priority must be one of \\"low\\", \\"high\\"');
    expect(events).toEqual([expect.objectContaining({ type: 'log', level: 'warn', message: expect.stringContaining('asking the model to repair it once') })]);
    expect(result.usage?.input_tokens).toBe(200);
  });

  it('fails clearly when the repaired reply is still invalid', async () => {
    const model = new ScriptedModel([text('not json'), text('{"nope":1}')]);
    await expect(invokeLlm(invocation({ prompt: 'classify', outputSchema: schema }), { models: () => model, ledger: new MemoryUsageLedger(), pricing, emit: () => undefined })).rejects.toMatchObject({
      name: 'Stepflow.ValidationError',
      message: expect.stringContaining('did not match outputSchema after one repair attempt'),
      retryable: false,
    });
  });

  it('streams deltas as log events labelled with the model', async () => {
    const model = new ScriptedModel([text('streamed answer text')]);
    const events: EventDraft[] = [];
    await invokeLlm(invocation({ prompt: 'go', stream: true }), { models: () => model, ledger: new MemoryUsageLedger(), pricing, emit: (e) => void events.push(e) });
    const deltas = events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.message : ''));
    expect(deltas.join('')).toBe('streamed answer text');
    expect(deltas.length).toBeGreaterThan(1);
    expect(events[0]).toMatchObject({ level: 'debug', node_id: 'classify', data: { stream: true, model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', simulated: false } });
  });

  it('stops before calling the model when the call could exceed the budget', async () => {
    const model = new ScriptedModel([text('never')]);
    const ledger = new MemoryUsageLedger();
    const inv = invocation({ prompt: 'x'.repeat(4000), maxTokens: 500 }, { budget: { maxTokens: 1200 } });
    await expect(invokeLlm(inv, { models: () => model, ledger, pricing, emit: () => undefined })).rejects.toMatchObject({ name: 'Stepflow.BudgetExceeded', message: expect.stringContaining('> budget 1200') });
    expect(model.requests).toHaveLength(0);
  });

  it.each([
    ['throttled', 'Stepflow.Throttled'],
    ['unavailable', 'Stepflow.Unavailable'],
    ['timeout', 'Stepflow.Timeout'],
    ['auth', 'Stepflow.ValidationError'],
  ] as const)('maps a %s provider failure to %s and releases the reservation', async (kind, name) => {
    const model = new ScriptedModel([new ProviderError(kind, { provider: 'bedrock', model: 'm', simulated: false }, `${kind}!`)]);
    const ledger = new MemoryUsageLedger();
    const inv = invocation({ prompt: 'x' });
    await expect(invokeLlm(inv, { models: () => model, ledger, pricing, emit: () => undefined })).rejects.toMatchObject({ name });
    expect((await ledger.totals(inv.execution.id)).tokens).toBe(0);
  });

  it('names invalid config fields', async () => {
    await expect(invokeLlm(invocation({ prompt: 3 }), { models: () => new ScriptedModel([]), ledger: new MemoryUsageLedger(), pricing, emit: () => undefined })).rejects.toMatchObject({
      name: 'Stepflow.ValidationError',
      message: expect.stringContaining('prompt: Invalid input: expected string'),
    });
  });

  it('parses JSON replies with or without fences', () => {
    expect(parseJsonReply(' {"a":1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonReply('Here:\n```\n[1,2]\n```')).toEqual({ ok: true, value: [1, 2] });
    expect(parseJsonReply('nope').ok).toBe(false);
  });
});
