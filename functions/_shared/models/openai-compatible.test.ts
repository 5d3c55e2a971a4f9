import { OpenAICompatibleModel, toStopReason } from './openai-compatible';
import { completionText, startOpenAIServer, streamTextChunks, type LocalOpenAIServer } from './test-support/openai-server';
import { ProviderError, type ChatRequest, type ProviderErrorKind } from './types';

let server: LocalOpenAIServer;
let model: OpenAICompatibleModel;
const IDENTITY = { provider: 'openai_compatible', model: 'llama3.1:8b', simulated: false } as const;

const conversation: ChatRequest = {
  system: 'You are terse.',
  messages: [
    { role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] },
    {
      role: 'assistant',
      content: [
        { text: 'Checking both.' },
        { toolUse: { toolUseId: 'call_a', name: 'weather', input: { city: 'Paris' } } },
        { toolUse: { toolUseId: 'call_b', name: 'weather', input: { _raw: '{"city": Rome' } } },
      ],
    },
    {
      role: 'user',
      content: [
        { toolResult: { toolUseId: 'call_a', content: [{ json: { tempC: 21 } }], status: 'success' } },
        { toolResult: { toolUseId: 'call_b', content: [{ text: 'arguments are not JSON' }], status: 'error' } },
      ],
    },
    { role: 'assistant', content: [{ text: 'Paris is 21C.' }] },
    { role: 'user', content: [{ text: 'Thanks.' }] },
  ],
  tools: [{ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
  maxTokens: 256,
  temperature: 0.3,
  stopSequences: ['END'],
};
const hello: ChatRequest = { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] };

beforeAll(async () => {
  server = await startOpenAIServer();
  model = new OpenAICompatibleModel({ baseUrl: server.baseUrl, model: 'llama3.1:8b', apiKey: 'sk-test', timeoutMs: 5_000 });
});
afterAll(async () => {
  await server.close();
});

const lastRequest = () => server.requests[server.requests.length - 1];

describe('OpenAICompatibleModel request mapping', () => {
  it('POSTs {baseUrl}/chat/completions with system, user, assistant tool_calls, tool messages and tools', async () => {
    server.enqueue({ json: completionText('You are welcome.') });

    await model.converse(conversation);

    const sent = lastRequest();
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.body).toStrictEqual({
      model: 'llama3.1:8b',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            // A malformed call is replayed as the model produced it.
            { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city": Rome' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"tempC":21}' },
        { role: 'tool', tool_call_id: 'call_b', content: 'Error: arguments are not JSON' },
        { role: 'assistant', content: 'Paris is 21C.' },
        { role: 'user', content: 'Thanks.' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ],
      max_tokens: 256,
      temperature: 0.3,
      stop: ['END'],
    });
  });

  it('sends no Authorization header without an API key, and tolerates a trailing slash in baseUrl', async () => {
    const anonymous = new OpenAICompatibleModel({ baseUrl: `${server.baseUrl}/`, model: 'm', timeoutMs: 5_000 });
    server.enqueue({ json: completionText('hi') });

    await anonymous.converse(hello);

    expect(lastRequest()?.path).toBe('/v1/chat/completions');
    expect(lastRequest()?.headers.authorization).toBeUndefined();
    expect(lastRequest()?.body).toStrictEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('resolves an API key function once, on first use', async () => {
    const lookups: string[] = [];
    const lazy = new OpenAICompatibleModel({
      baseUrl: server.baseUrl,
      model: 'm',
      timeoutMs: 5_000,
      apiKey: async () => {
        lookups.push('stepflow/llm');
        return 'sk-from-secret';
      },
    });
    server.enqueue({ json: completionText('a') }, { json: completionText('b') });

    await lazy.converse(hello);
    await lazy.converse(hello);

    expect(lookups).toStrictEqual(['stepflow/llm']);
    expect(lastRequest()?.headers.authorization).toBe('Bearer sk-from-secret');
  });

  it('reports a failing API key lookup as auth, without calling the endpoint', async () => {
    const before = server.requests.length;
    const broken = new OpenAICompatibleModel({
      baseUrl: server.baseUrl,
      model: 'm',
      timeoutMs: 5_000,
      apiKey: () => Promise.reject(new Error('secret stepflow/llm not found')),
    });

    await expect(broken.converse(hello)).rejects.toMatchObject({ kind: 'auth', message: expect.stringContaining('secret stepflow/llm not found') });
    expect(server.requests.length).toBe(before);
  });

  it('uses the injected fetch', async () => {
    const urls: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const withFetch = new OpenAICompatibleModel({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 5_000, fetch: recording });
    server.enqueue({ json: completionText('hi') });

    await withFetch.converse(hello);

    expect(urls).toStrictEqual([`${server.baseUrl}/chat/completions`]);
  });
});

describe('OpenAICompatibleModel response mapping', () => {
  it('maps text, usage (cached tokens counted apart from input) and identity', async () => {
    server.enqueue({ json: completionText('Hello there.', { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 60 }) });

    const res = await model.converse(hello);

    expect(res).toStrictEqual({
      content: [{ text: 'Hello there.' }],
      stopReason: 'end_turn',
      usage: { inputTokens: 40, outputTokens: 7, cacheReadTokens: 60, cacheWriteTokens: 0 },
      model: IDENTITY,
    });
  });

  it('maps tool calls, parsing arguments, keeping malformed ones as { _raw } and naming calls without an id', async () => {
    server.enqueue({
      json: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
                { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city": Oslo' } },
                { type: 'function', function: { name: 'now', arguments: '' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 20, completion_tokens: 15 },
      },
    });

    const res = await model.converse(conversation);

    expect(res.content).toStrictEqual([
      { toolUse: { toolUseId: 'call_1', name: 'weather', input: { city: 'Oslo' } } },
      { toolUse: { toolUseId: 'call_b', name: 'weather', input: { _raw: '{"city": Oslo' } } },
      { toolUse: { toolUseId: 'call_2', name: 'now', input: {} } },
    ]);
    expect(res.stopReason).toBe('tool_use');
    expect(res.usage).toStrictEqual({ inputTokens: 20, outputTokens: 15, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it.each([
    ['stop', false, 'end_turn'],
    ['stop', true, 'tool_use'],
    ['tool_calls', true, 'tool_use'],
    ['length', false, 'max_tokens'],
    ['content_filter', false, 'content_filtered'],
    [null, false, 'end_turn'],
  ] as const)('maps finish_reason %s (tool calls: %s) to %s', (reason, hasCalls, ours) => {
    expect(toStopReason(reason, hasCalls)).toBe(ours);
  });

  it('answers length as max_tokens end to end', async () => {
    server.enqueue({ json: completionText('Cut', {}, 'length') });

    expect((await model.converse(hello)).stopReason).toBe('max_tokens');
  });
});

describe('OpenAICompatibleModel streaming', () => {
  it('asks for a stream with usage, calls onDelta per text delta and returns the assembled answer', async () => {
    server.enqueue({ stream: streamTextChunks(['Hel', 'lo', '!'], { prompt_tokens: 12, completion_tokens: 3 }) });
    const deltas: string[] = [];

    const res = await model.converse(hello, { onDelta: (t) => deltas.push(t) });

    expect(lastRequest()?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(lastRequest()?.headers.accept).toBe('text/event-stream');
    expect(deltas).toStrictEqual(['Hel', 'lo', '!']);
    expect(res).toStrictEqual({
      content: [{ text: 'Hello!' }],
      stopReason: 'end_turn',
      usage: { inputTokens: 12, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
      model: IDENTITY,
    });
  });

  it('assembles streamed tool-call argument chunks by index', async () => {
    server.enqueue({
      stream: [
        { choices: [{ index: 0, delta: { role: 'assistant', content: 'Looking up.' }, finish_reason: null }] },
        {
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'weather', arguments: '' } }] },
              finish_reason: null,
            },
          ],
        },
        { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city"' } }] }, finish_reason: null }] },
        { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':"Bern"}' } }] }, finish_reason: null }] },
        {
          choices: [
            { index: 0, delta: { tool_calls: [{ index: 1, id: 'call_y', function: { name: 'now', arguments: '{}' } }] }, finish_reason: null },
          ],
        },
        { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { choices: [], usage: { prompt_tokens: 30, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 10 } } },
      ],
    });
    const deltas: string[] = [];

    const res = await model.converse(conversation, { onDelta: (t) => deltas.push(t) });

    expect(deltas).toStrictEqual(['Looking up.']);
    expect(res.content).toStrictEqual([
      { text: 'Looking up.' },
      { toolUse: { toolUseId: 'call_x', name: 'weather', input: { city: 'Bern' } } },
      { toolUse: { toolUseId: 'call_y', name: 'now', input: {} } },
    ]);
    expect(res.stopReason).toBe('tool_use');
    expect(res.usage).toStrictEqual({ inputTokens: 20, outputTokens: 10, cacheReadTokens: 10, cacheWriteTokens: 0 });
  });

  it('reassembles an SSE line split across network writes', async () => {
    const line = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'split line' }, finish_reason: null }] })}\n\n`;
    server.enqueue({
      stream: [line.slice(0, 17), line.slice(17), ': keep-alive comment\n\n', { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }],
      chunkDelayMs: 20,
    });
    const deltas: string[] = [];

    const res = await model.converse(hello, { onDelta: (t) => deltas.push(t) });

    expect(deltas).toStrictEqual(['split line']);
    expect(res.content).toStrictEqual([{ text: 'split line' }]);
  });

  it('fails as unavailable when the stream ends without a finish reason or [DONE]', async () => {
    server.enqueue({ stream: [{ choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }] }], done: false });

    await expect(model.converse(hello, { onDelta: () => undefined })).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('ended before [DONE]'),
    });
  });

  it('classifies an error event inside the stream', async () => {
    server.enqueue({
      stream: [
        { choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
        { error: { message: 'model overloaded', type: 'server_error', code: 503 } },
      ],
    });

    await expect(model.converse(hello, { onDelta: () => undefined })).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('model overloaded'),
    });
  });
});

describe('OpenAICompatibleModel error classification', () => {
  const statuses: Array<[number, ProviderErrorKind]> = [
    [429, 'throttled'],
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [401, 'auth'],
    [403, 'auth'],
    [400, 'validation'],
    [404, 'validation'],
    [422, 'validation'],
    [409, 'unknown'],
  ];

  it.each(statuses)('classifies HTTP %d as %s and keeps the server message', async (status, kind) => {
    server.enqueue({ error: { status, message: `scripted failure ${status}` } });

    const err = await model.converse(hello).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      kind,
      model: IDENTITY,
      message: expect.stringMatching(new RegExp(`^openai_compatible:llama3\\.1:8b ${kind}: HTTP ${status} .*scripted failure ${status}`)),
    });
    expect((err as ProviderError).fallsThrough).toBe(kind === 'throttled' || kind === 'unavailable');
  });

  it('classifies a streaming request refused with 429 as throttled', async () => {
    server.enqueue({ error: { status: 429, message: 'rate limit' } });

    await expect(model.converse(hello, { onDelta: () => undefined })).rejects.toMatchObject({ kind: 'throttled' });
  });

  it('quotes a non-JSON error page', async () => {
    server.enqueue({ raw: '<html><body>502 Bad Gateway</body></html>', status: 502, contentType: 'text/html' });

    await expect(model.converse(hello)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('502 Bad Gateway') });
  });

  it('classifies exceeding timeoutMs as timeout', async () => {
    const impatient = new OpenAICompatibleModel({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 100 });
    server.enqueue({ hang: true });

    await expect(impatient.converse(hello)).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('100 ms') });
  });

  it('classifies timeoutMs running out mid-stream as timeout', async () => {
    const impatient = new OpenAICompatibleModel({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 150 });
    server.enqueue({ stream: streamTextChunks(['a', 'b', 'c', 'd', 'e']), chunkDelayMs: 100 });
    const deltas: string[] = [];

    await expect(impatient.converse(hello, { onDelta: (t) => deltas.push(t) })).rejects.toMatchObject({ kind: 'timeout' });
    expect(deltas.length).toBeLessThan(5);
  });

  it("classifies the caller's abort as timeout", async () => {
    server.enqueue({ hang: true });

    await expect(model.converse(hello, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      kind: 'timeout',
      message: expect.stringContaining('aborted by the caller'),
    });
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await startOpenAIServer();
    await closed.close();
    const unreachable = new OpenAICompatibleModel({ baseUrl: closed.baseUrl, model: 'm', timeoutMs: 5_000 });

    await expect(unreachable.converse(hello)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('classifies a dropped connection as unavailable', async () => {
    server.enqueue({ destroy: true });

    await expect(model.converse(hello)).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('classifies a 200 that is not a completion as unavailable', async () => {
    server.enqueue({ raw: 'not json', status: 200 }, { json: { choices: [] } });

    await expect(model.converse(hello)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('not JSON') });
    await expect(model.converse(hello)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('unexpected completion shape') });
  });
});
