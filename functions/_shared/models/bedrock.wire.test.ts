/**
 * The Bedrock adapter against a real BedrockRuntimeClient talking HTTP/2 to a local server that
 * speaks the Converse wire format: this checks what the mocks cannot (serialization, URL
 * encoding of model ids, event-stream decoding, the SDK's own error parsing).
 */
import { BedrockChatModel } from './bedrock';
import { converseText, startBedrockServer, streamText, type LocalBedrockServer } from './test-support/bedrock-server';
import { ProviderError, type ChatRequest, type ProviderErrorKind } from './types';

const MODEL_ID = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
let server: LocalBedrockServer;
let model: BedrockChatModel;

const request: ChatRequest = {
  system: 'You are terse.',
  messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
  tools: [{ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
  maxTokens: 200,
  temperature: 0,
};

beforeAll(async () => {
  server = await startBedrockServer();
  model = new BedrockChatModel(server.client(), MODEL_ID);
});
afterAll(async () => {
  await server.close();
});

const lastRequest = () => server.requests[server.requests.length - 1];

describe('BedrockChatModel over HTTP/2 (Converse wire format)', () => {
  it('POSTs a signed Converse request to /model/{urlencoded id}/converse and maps the JSON answer', async () => {
    server.enqueue({
      converse: {
        output: {
          message: {
            role: 'assistant',
            content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Paris' } } }],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 31, outputTokens: 9, totalTokens: 40, cacheReadInputTokens: 4, cacheWriteInputTokens: 2 },
        metrics: { latencyMs: 3 },
      },
    });

    const res = await model.converse(request);

    const sent = lastRequest();
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(sent?.modelId).toBe(MODEL_ID);
    expect(String(sent?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/us-east-1\/bedrock\//);
    expect(sent?.body).toStrictEqual({
      system: [{ text: 'You are terse.' }],
      messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'weather',
              description: 'Current weather',
              inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
            },
          },
        ],
      },
      inferenceConfig: { maxTokens: 200, temperature: 0 },
    });
    expect(res).toStrictEqual({
      content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Paris' } } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 31, outputTokens: 9, cacheReadTokens: 4, cacheWriteTokens: 2 },
      model: { provider: 'bedrock', model: MODEL_ID, simulated: false },
    });
  });

  it('streams over /converse-stream: decodes event-stream frames, calls onDelta, assembles text and tool input', async () => {
    server.enqueue({
      stream: [
        { event: 'messageStart', payload: { role: 'assistant' } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'On ' } } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'it.' } } },
        { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
        { event: 'contentBlockStart', payload: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu-2', name: 'weather' } } } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '"Lyon"}' } } } },
        { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
        { event: 'messageStop', payload: { stopReason: 'tool_use' } },
        { event: 'metadata', payload: { usage: { inputTokens: 50, outputTokens: 20, totalTokens: 70 }, metrics: { latencyMs: 8 } } },
      ],
    });
    const deltas: string[] = [];

    const res = await model.converse(request, { onDelta: (t) => deltas.push(t) });

    expect(lastRequest()?.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse-stream`);
    expect(deltas).toStrictEqual(['On ', 'it.']);
    expect(res).toStrictEqual({
      content: [{ text: 'On it.' }, { toolUse: { toolUseId: 'tu-2', name: 'weather', input: { city: 'Lyon' } } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 50, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
      model: { provider: 'bedrock', model: MODEL_ID, simulated: false },
    });
  });

  it('streams a plain text answer built by the streamText helper', async () => {
    server.enqueue({ stream: streamText(['Hello', ', ', 'world'], { inputTokens: 7, outputTokens: 3 }) });
    const deltas: string[] = [];

    const res = await model.converse(request, { onDelta: (t) => deltas.push(t) });

    expect(deltas.join('')).toBe('Hello, world');
    expect(res.content).toStrictEqual([{ text: 'Hello, world' }]);
    expect(res.usage.inputTokens).toBe(7);
  });

  const httpErrors: Array<[number, string, ProviderErrorKind]> = [
    [429, 'ThrottlingException', 'throttled'],
    [429, 'ServiceQuotaExceededException', 'throttled'],
    [503, 'ServiceUnavailableException', 'unavailable'],
    [500, 'InternalServerException', 'unavailable'],
    [429, 'ModelNotReadyException', 'unavailable'],
    [408, 'ModelTimeoutException', 'timeout'],
    [403, 'AccessDeniedException', 'auth'],
    [403, 'UnrecognizedClientException', 'auth'],
    [400, 'ValidationException', 'validation'],
    [404, 'ResourceNotFoundException', 'validation'],
  ];

  it.each(httpErrors)('classifies HTTP %d %s as %s', async (status, type, kind) => {
    server.enqueue({ error: { status, type, message: `scripted ${type}` } });

    const err = await model.converse(request).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind, message: expect.stringContaining(`scripted ${type}`) });
  });

  it('classifies an in-stream throttlingException frame as throttled, after the deltas before it', async () => {
    server.enqueue({
      events: [
        { event: 'messageStart', payload: { role: 'assistant' } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Par' } } },
      ],
      streamError: { type: 'throttlingException', message: 'mid-stream throttle' },
    });
    const deltas: string[] = [];

    const err = await model.converse(request, { onDelta: (t) => deltas.push(t) }).catch((e: unknown) => e);

    expect(deltas).toStrictEqual(['Par']);
    expect(err).toMatchObject({ name: 'ProviderError', kind: 'throttled', message: expect.stringContaining('mid-stream throttle') });
  });

  it('classifies a reset stream (dropped connection) as unavailable', async () => {
    server.enqueue({ reset: true });

    await expect(model.converse(request)).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it("classifies the client's request timeout as timeout", async () => {
    const slow = new BedrockChatModel(server.client({ requestTimeoutMs: 150 }), MODEL_ID);
    server.enqueue({ hang: true });

    await expect(slow.converse(request)).rejects.toMatchObject({ kind: 'timeout' });
  });

  it("classifies the caller's abort signal as timeout", async () => {
    server.enqueue({ hang: true });

    await expect(model.converse(request, { signal: AbortSignal.timeout(150) })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await startBedrockServer();
    const client = closed.client();
    await closed.close();

    await expect(new BedrockChatModel(client, MODEL_ID).converse(request)).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('answers a plain converseText helper body', async () => {
    server.enqueue({ converse: converseText('fine', { inputTokens: 2, outputTokens: 1 }) });

    const res = await model.converse(request);

    expect(res.content).toStrictEqual([{ text: 'fine' }]);
    expect(res.usage).toStrictEqual({ inputTokens: 2, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });
});
