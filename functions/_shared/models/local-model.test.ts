import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@shared/errors';
import { exampleOf, LocalModel, localFixtureSchema } from './local-model';
import { ProviderError, textOf, type ChatMessage, type ChatRequest } from './types';

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ text }] });
const echoTool = { name: 'echo', description: 'Echo', inputSchema: { type: 'object' } };

const agentModel = () =>
  new LocalModel({
    name: 'agents',
    replies: [
      { when: { nodeId: 'research', turn: 0 }, reply: { toolUse: [{ name: 'echo', input: { message: 'look it up' } }] } },
      { when: { nodeId: 'research' }, reply: { text: 'Final answer.' } },
      { when: { agent: 'critic' }, reply: { json: { verdict: 'ok' } } },
      { when: { promptIncludes: 'REFUND' }, reply: { text: 'Refund policy.' } },
    ],
  });

describe('LocalModel scripted replies', () => {
  it('gives an agent a tool call at turn 0 and its final answer at turn 1', async () => {
    const model = agentModel();
    const first: ChatRequest = { messages: [user('Research X')], tools: [echoTool], context: { nodeId: 'research' } };

    const call = await model.converse(first);
    const answer = await model.converse({
      ...first,
      messages: [
        ...first.messages,
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ toolResult: { toolUseId: 'local-0-0', content: [{ text: 'look it up' }], status: 'success' } }] },
      ],
    });

    expect(call.content).toStrictEqual([{ toolUse: { toolUseId: 'local-0-0', name: 'echo', input: { message: 'look it up' } } }]);
    expect(call.stopReason).toBe('tool_use');
    expect(answer.content).toStrictEqual([{ text: 'Final answer.' }]);
    expect(answer.stopReason).toBe('end_turn');
  });

  it('matches by agent and sends json replies as JSON text', async () => {
    const res = await agentModel().converse({ messages: [user('Review')], context: { agent: 'critic' } });

    expect(JSON.parse(textOf(res.content))).toStrictEqual({ verdict: 'ok' });
  });

  it('matches promptIncludes case-insensitively against the user messages', async () => {
    const res = await agentModel().converse({ messages: [user('Where is my refund?')] });

    expect(res.content).toStrictEqual([{ text: 'Refund policy.' }]);
  });

  it('takes the first matching reply, in fixture order', async () => {
    const model = new LocalModel({
      name: 'order',
      replies: [
        { when: { nodeId: 'a' }, reply: { text: 'first' } },
        { when: { nodeId: 'a' }, reply: { text: 'second' } },
      ],
    });

    expect(textOf((await model.converse({ messages: [user('x')], context: { nodeId: 'a' } })).content)).toBe('first');
  });

  it('refuses to script a call to a tool the request does not offer', async () => {
    const err = await agentModel()
      .converse({ messages: [user('Research X')], tools: [{ ...echoTool, name: 'search' }], context: { nodeId: 'research' } })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'validation', message: expect.stringContaining('scripts a call to echo') });
  });
});

describe('LocalModel fallback', () => {
  it('echoes the last user message, collapsed and cut to 200 characters', async () => {
    const model = new LocalModel({ name: 'empty', replies: [] });
    const long = `Hello\n\n  world ${'x'.repeat(400)}`;

    const res = await model.converse({ messages: [user('earlier'), { role: 'assistant', content: [{ text: 'ok' }] }, user(long)] });

    expect(textOf(res.content)).toBe(`[local model] ${`Hello world ${'x'.repeat(400)}`.slice(0, 200)}`);
  });

  it('answers an instance of a JSON Schema embedded in the prompt', async () => {
    const model = new LocalModel({ name: 'empty', replies: [] });
    const schema = {
      type: 'object',
      properties: {
        priority: { type: 'string', enum: ['low', 'normal', 'high'] },
        score: { type: 'integer', minimum: 1, maximum: 10 },
        tags: { type: 'array', items: { type: 'string', maxLength: 20 } },
        urgent: { type: 'boolean' },
      },
      required: ['priority'],
    };

    const res = await model.converse({
      system: `Answer only with JSON matching this schema: ${JSON.stringify(schema)}`,
      messages: [user('Classify: the site is down')],
    });

    expect(JSON.parse(textOf(res.content))).toStrictEqual({ priority: 'low', score: 1, tags: ['[local model] Classi'], urgent: false });
  });

  it('answers { text } JSON when the system asks for JSON without a schema', async () => {
    const res = await new LocalModel({ name: 'empty', replies: [] }).converse({ system: 'Answer only with JSON.', messages: [user('Hi')] });

    expect(JSON.parse(textOf(res.content))).toStrictEqual({ text: '[local model] Hi' });
  });

  it("fails with a validation error naming what to add when fallback is 'error'", async () => {
    const model = new LocalModel({ name: 'strict', replies: [], fallback: 'error' });

    const err = await model.converse({ messages: [user('Hi')], context: { nodeId: 'classify' } }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      kind: 'validation',
      model: { provider: 'local', model: 'local:strict', simulated: true },
      message: expect.stringContaining('"nodeId": "classify", "turn": 0'),
    });
  });

  it('is deterministic: the same request gives the same response', async () => {
    const request: ChatRequest = { system: 'Be brief.', messages: [user('Summarise the quarter')], context: { nodeId: 'n' } };

    const [a, b] = await Promise.all([LocalModel.default().converse(request), LocalModel.default().converse(request)]);

    expect(a).toStrictEqual(b);
  });
});

describe('LocalModel identity, usage and streaming', () => {
  it('identifies itself as simulated, named after its fixture', async () => {
    const res = await agentModel().converse({ messages: [user('Hi')] });

    expect(res.model).toStrictEqual({ provider: 'local', model: 'local:agents', simulated: true });
    expect(agentModel().identity).toStrictEqual(res.model);
  });

  it('estimates tokens as ceil(chars / 4) of the input (system, messages, tools) and of the output', async () => {
    const model = new LocalModel({ name: 'u', replies: [{ reply: { text: 'abcdefghij' } }] });
    const request: ChatRequest = { system: 'sys', messages: [user('hello')], tools: [echoTool] };

    const res = await model.converse(request);

    const inputChars = 'sys'.length + 'hello'.length + JSON.stringify([echoTool]).length;
    expect(res.usage).toStrictEqual({ inputTokens: Math.ceil(inputChars / 4), outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('streams the reply as a few deterministic chunks that add up to the text', async () => {
    const model = new LocalModel({ name: 's', replies: [{ reply: { text: 'The quick brown fox jumps' } }] });
    const deltas: string[] = [];

    const res = await model.converse({ messages: [user('go')] }, { onDelta: (t) => deltas.push(t) });

    expect(deltas).toStrictEqual(['The qui', 'ck brow', 'n fox j', 'umps']);
    expect(deltas.join('')).toBe(textOf(res.content));
  });

  it('fails as timeout when the caller already aborted', async () => {
    await expect(agentModel().converse({ messages: [user('Hi')] }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'timeout' });
  });
});

describe('LocalModel fixtures', () => {
  it('rejects an invalid fixture with a ValidationError listing the problems', () => {
    const bad = () => new LocalModel({ name: '', replies: [{ when: { turn: -1 }, reply: { text: 1 } }] } as never);

    expect(bad).toThrow(ValidationError);
    expect(bad).toThrow(/name[\s\S]*turn|turn[\s\S]*name/);
  });

  it('loads a fixture file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepflow-local-'));
    const path = join(dir, 'mine.json');
    writeFileSync(path, JSON.stringify({ name: 'mine', replies: [{ reply: { text: 'from file' } }] }));

    const model = LocalModel.fromFile(path);

    expect(model.identity.model).toBe('local:mine');
    expect(textOf((await model.converse({ messages: [user('x')] })).content)).toBe('from file');
  });

  it('reports an unreadable fixture file with its path', () => {
    expect(() => LocalModel.fromFile('/nonexistent/fixture.json')).toThrow(/\/nonexistent\/fixture\.json/);
  });

  it('ships a valid default fixture', () => {
    const raw: unknown = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'default.json'), 'utf8'));

    expect(localFixtureSchema.safeParse(raw).success).toBe(true);
    expect(LocalModel.default().identity).toStrictEqual({ provider: 'local', model: 'local:default', simulated: true });
  });
});

/**
 * The default fixture against the example workflows: every structured reply carries the keys its
 * node's outputSchema requires (read from examples/), and the agents get a tool call then an answer.
 */
describe('default fixture and the example workflows', () => {
  const examples = join(__dirname, '..', '..', '..', 'examples');
  type Node = { id: string; type: string; config?: { outputSchema?: { required?: string[]; properties?: Record<string, { enum?: unknown[] }> } } };
  const nodesOf = (file: string): Node[] => {
    const found: Node[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if (typeof record.id === 'string' && typeof record.type === 'string') found.push(record as unknown as Node);
        Object.values(record).forEach(walk);
      }
    };
    walk(JSON.parse(readFileSync(join(examples, file), 'utf8')));
    return found;
  };

  it.each([
    ['support-ticket-triage.json', 'classify', 'Subject: Invoices fail to download'],
    ['support-ticket-triage.json', 'classify', 'URGENT: checkout is down'],
    ['parallel-summariser.json', 'action_items', 'Extract every action item'],
    ['parallel-summariser.json', 'tone', 'what is the tone'],
    ['refine-until-good.json', 'review', 'Score this announcement: [local model] Pass 0: write'],
    ['refine-until-good.json', 'review', 'Score this announcement: [local model] Pass 1: write'],
  ])('%s %s (prompt %j) answers JSON that satisfies the required keys and enums', async (file, nodeId, prompt) => {
    const node = nodesOf(file).find((n) => n.id === nodeId);
    const schema = node?.config?.outputSchema;
    expect(schema).toBeDefined();

    const res = await LocalModel.default().converse({ messages: [user(prompt)], context: { nodeId } });

    const json = JSON.parse(textOf(res.content)) as Record<string, unknown>;
    for (const key of schema?.required ?? []) expect(json).toHaveProperty(key);
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
      if (prop.enum !== undefined) expect(prop.enum).toContain(json[key]);
    }
  });

  it('scores the first refine pass below the loop threshold and the next one above it', async () => {
    const review = (pass: number) =>
      LocalModel.default().converse({ messages: [user(`Score this.\n\n[local model] Pass ${pass}: write an announcement`)], context: { nodeId: 'review' } });

    const [first, second] = [JSON.parse(textOf((await review(0)).content)), JSON.parse(textOf((await review(1)).content))];

    expect(first.score).toBeLessThan(8);
    expect(second.score).toBeGreaterThanOrEqual(8);
  });

  it('routes an urgent ticket to high priority and an invoice ticket to billing', async () => {
    const classify = (text: string) => LocalModel.default().converse({ messages: [user(text)], context: { nodeId: 'classify' } });

    expect(JSON.parse(textOf((await classify('This is urgent, all is down')).content))).toMatchObject({ priority: 'high' });
    expect(JSON.parse(textOf((await classify('Invoices fail to download')).content))).toMatchObject({ priority: 'normal', category: 'billing' });
  });

  it("answers an agent's tool-less memory summary call with text, not with the agent's scripted tool call", async () => {
    const res = await LocalModel.default().converse({
      system: 'You maintain a running summary of a conversation.',
      messages: [user('Previous summary: (none)')],
      context: { nodeId: 'research', agent: 'memory-summarizer' },
    });

    expect(res.stopReason).toBe('end_turn');
    expect(textOf(res.content)).toMatch(/^\[local model\] Summary/);
  });

  it.each([
    ['research-agent.json', 'research'],
    ['lead-qualification.json', 'profile'],
  ])('%s agent %s calls one of its tools first, then answers', async (file, nodeId) => {
    const node = nodesOf(file).find((n) => n.id === nodeId) as (Node & { config: { tools: string[] } }) | undefined;
    const tools = (node?.config.tools ?? []).map((name) => ({ name, description: name, inputSchema: { type: 'object' } }));
    const model = LocalModel.default();

    const first = await model.converse({ messages: [user('Go')], tools, context: { nodeId } });
    const second = await model.converse({
      messages: [user('Go'), { role: 'assistant', content: first.content }, user('observation')],
      tools,
      context: { nodeId },
    });

    expect(first.stopReason).toBe('tool_use');
    expect(second.stopReason).toBe('end_turn');
    expect(textOf(second.content)).toMatch(/^\[local model\]/);
  });
});

describe('exampleOf', () => {
  it.each([
    [{ const: 'x' }, 'x'],
    [{ type: ['null', 'number'], exclusiveMinimum: 2 }, 2.5],
    [{ type: 'integer', minimum: 20, maximum: 10 }, 10],
    [{ anyOf: [{ type: 'boolean' }, { type: 'string' }] }, false],
    [{ type: 'array', minItems: 2, items: { type: 'string', format: 'email' } }, ['local@example.com', 'local@example.com']],
    [{ type: 'string', minLength: 8 }, 'text....'],
    [{ properties: { a: { type: 'null' } } }, { a: null }],
  ])('gives %j the instance %j', (schema, expected) => {
    expect(exampleOf(schema, 'text')).toStrictEqual(expected);
  });
});
