import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  ModelNotReadyException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockChatModel, classifyBedrockError, toStopReason } from './bedrock';
import { ProviderError, type ChatRequest, type ProviderErrorKind } from './types';

const MODEL_ID = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const bedrock = mockClient(BedrockRuntimeClient);
const model = () => new BedrockChatModel(new BedrockRuntimeClient({ region: 'us-east-1' }), MODEL_ID);
const metadata = { $metadata: {} };

const request: ChatRequest = {
  system: 'You are terse.',
  messages: [
    { role: 'user', content: [{ text: 'Weather in Paris?' }] },
    { role: 'assistant', content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 't1', name: 'weather', input: { city: 'Paris' } } }] },
    {
      role: 'user',
      content: [
        { toolResult: { toolUseId: 't1', content: [{ json: { tempC: 21 } }, { text: 'sunny' }], status: 'success' } },
      ],
    },
  ],
  tools: [{ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
  maxTokens: 300,
  temperature: 0.2,
  stopSequences: ['END'],
};

async function* events(...items: ConverseStreamOutput[]): AsyncGenerator<ConverseStreamOutput> {
  for (const item of items) yield item;
}

beforeEach(() => bedrock.reset());
afterAll(() => bedrock.restore());

describe('BedrockChatModel request mapping', () => {
  it('maps system, text/toolUse/toolResult blocks, tools and inference settings onto Converse', async () => {
    bedrock.on(ConverseCommand).resolves({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn' });

    await model().converse(request);

    const input = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(input).toStrictEqual({
      modelId: MODEL_ID,
      system: [{ text: 'You are terse.' }],
      messages: [
        { role: 'user', content: [{ text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ text: 'Checking.' }, { toolUse: { toolUseId: 't1', name: 'weather', input: { city: 'Paris' } } }] },
        {
          role: 'user',
          content: [{ toolResult: { toolUseId: 't1', status: 'success', content: [{ json: { tempC: 21 } }, { text: 'sunny' }] } }],
        },
      ],
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
      inferenceConfig: { maxTokens: 300, temperature: 0.2, stopSequences: ['END'] },
    });
  });

  it('omits system, toolConfig and inferenceConfig when the request sets none (Converse rejects empty ones)', async () => {
    bedrock.on(ConverseCommand).resolves({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn' });

    await model().converse({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }], tools: [] });

    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input).toStrictEqual({
      modelId: MODEL_ID,
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
    });
  });

  it('maps an error tool result with its status', async () => {
    bedrock.on(ConverseCommand).resolves({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn' });

    await model().converse({
      messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 'x', content: [{ text: 'boom' }], status: 'error' } }] }],
    });

    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.messages?.[0]?.content?.[0]).toStrictEqual({
      toolResult: { toolUseId: 'x', status: 'error', content: [{ text: 'boom' }] },
    });
  });
});

describe('BedrockChatModel response mapping', () => {
  it('returns text and toolUse blocks, the stop reason, usage with cache tokens, and its identity', async () => {
    bedrock.on(ConverseCommand).resolves({
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'thinking' } } },
            { text: 'Let me check.' },
            { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Oslo' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150, cacheReadInputTokens: 64, cacheWriteInputTokens: 8 },
      metrics: { latencyMs: 5 },
    });

    const res = await model().converse(request);

    expect(res).toStrictEqual({
      content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Oslo' } } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 64, cacheWriteTokens: 8 },
      model: { provider: 'bedrock', model: MODEL_ID, simulated: false },
    });
  });

  it.each([
    ['end_turn', 'end_turn'],
    ['tool_use', 'tool_use'],
    ['max_tokens', 'max_tokens'],
    ['model_context_window_exceeded', 'max_tokens'],
    ['stop_sequence', 'stop_sequence'],
    ['content_filtered', 'content_filtered'],
    ['guardrail_intervened', 'content_filtered'],
    ['malformed_tool_use', 'end_turn'],
  ])('maps stop reason %s to %s', (bedrockReason, ours) => {
    expect(toStopReason(bedrockReason)).toBe(ours);
  });
});

describe('BedrockChatModel streaming', () => {
  it('uses ConverseStream when onDelta is given and assembles text deltas and chunked toolUse input', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Let me ' } } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'look.' } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu-9', name: 'weather' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"ci' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: 'ty":"Rome"' } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '}' } } } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: 'tool_use' } },
        { metadata: { usage: { inputTokens: 40, outputTokens: 12, totalTokens: 52, cacheReadInputTokens: 3 }, metrics: { latencyMs: 9 } } },
      ),
    });
    const deltas: string[] = [];

    const res = await model().converse(request, { onDelta: (t) => deltas.push(t) });

    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    expect(bedrock.commandCalls(ConverseStreamCommand)[0]?.args[0].input.toolConfig?.tools).toHaveLength(1);
    expect(deltas).toStrictEqual(['Let me ', 'look.']);
    expect(res).toStrictEqual({
      content: [{ text: 'Let me look.' }, { toolUse: { toolUseId: 'tu-9', name: 'weather', input: { city: 'Rome' } } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 40, outputTokens: 12, cacheReadTokens: 3, cacheWriteTokens: 0 },
      model: { provider: 'bedrock', model: MODEL_ID, simulated: false },
    });
  });

  it('keeps malformed streamed tool input as { _raw } instead of crashing', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tu-1', name: 'search' } } } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"q": "cut' } } } },
        { messageStop: { stopReason: 'max_tokens' } },
      ),
    });

    const res = await model().converse(request, { onDelta: () => undefined });

    expect(res.content).toStrictEqual([{ toolUse: { toolUseId: 'tu-1', name: 'search', input: { _raw: '{"q": "cut' } } }]);
    expect(res.stopReason).toBe('max_tokens');
  });

  it('treats a tool call with no input deltas as empty input', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tu-1', name: 'now' } } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'tool_use' } },
      ),
    });

    const res = await model().converse(request, { onDelta: () => undefined });

    expect(res.content).toStrictEqual([{ toolUse: { toolUseId: 'tu-1', name: 'now', input: {} } }]);
  });

  it('fails as unavailable when the stream ends before messageStop (an incomplete answer)', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events({ messageStart: { role: 'assistant' } }, { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Half' } } }),
    });

    await expect(model().converse(request, { onDelta: () => undefined })).rejects.toMatchObject({
      name: 'ProviderError',
      kind: 'unavailable',
      message: expect.stringContaining('before messageStop'),
    });
  });

  it('classifies an in-stream exception event', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hel' } } },
        { throttlingException: new ThrottlingException({ message: 'slow down', ...metadata }) },
      ),
    });
    const deltas: string[] = [];

    const err = await model()
      .converse(request, { onDelta: (t) => deltas.push(t) })
      .catch((e: unknown) => e);

    expect(deltas).toStrictEqual(['Hel']);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'throttled', message: expect.stringContaining('slow down') });
  });

  it('classifies a failed ConverseStream call like a failed Converse call', async () => {
    bedrock.on(ConverseStreamCommand).rejects(new ServiceUnavailableException({ message: 'down', ...metadata }));

    await expect(model().converse(request, { onDelta: () => undefined })).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

/** An SDK-shaped error: a name and, optionally, the HTTP status in $metadata. */
function sdkError(name: string, status?: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
}

describe('BedrockChatModel error classification', () => {
  const cases: Array<[string, () => Error, ProviderErrorKind]> = [
    ['ThrottlingException', () => new ThrottlingException({ message: 'Too many requests', ...metadata }), 'throttled'],
    ['ServiceQuotaExceededException', () => new ServiceQuotaExceededException({ message: 'quota', ...metadata }), 'throttled'],
    ['an unnamed 429', () => sdkError('Error', 429), 'throttled'],
    ['ServiceUnavailableException', () => new ServiceUnavailableException({ message: 'down', ...metadata }), 'unavailable'],
    ['InternalServerException', () => new InternalServerException({ message: 'oops', ...metadata }), 'unavailable'],
    ['ModelNotReadyException', () => new ModelNotReadyException({ message: 'warming', ...metadata }), 'unavailable'],
    ['an unnamed 502', () => sdkError('Error', 502), 'unavailable'],
    ['a connection reset', () => new Error('AWS SDK error wrapper for Error: read ECONNRESET'), 'unavailable'],
    ['ModelTimeoutException', () => new ModelTimeoutException({ message: 'slow model', ...metadata }), 'timeout'],
    ['TimeoutError', () => sdkError('TimeoutError', undefined, 'Connection timed out after 1000 ms'), 'timeout'],
    ['AbortError', () => sdkError('AbortError', undefined, 'Request aborted'), 'timeout'],
    ['AccessDeniedException', () => new AccessDeniedException({ message: 'no model access', ...metadata }), 'auth'],
    ['UnrecognizedClientException', () => sdkError('UnrecognizedClientException', 403), 'auth'],
    ['ExpiredTokenException', () => sdkError('ExpiredTokenException', 400), 'auth'],
    ['an unnamed 403', () => sdkError('Error', 403), 'auth'],
    ['ValidationException', () => new ValidationException({ message: 'bad messages', ...metadata }), 'validation'],
    ['ResourceNotFoundException', () => new ResourceNotFoundException({ message: 'no such model', ...metadata }), 'validation'],
    ['an unnamed 400', () => sdkError('Error', 400), 'validation'],
    ['anything else', () => new TypeError('x is not a function'), 'unknown'],
  ];

  it.each(cases)('classifies %s', async (_label, makeError, kind) => {
    const thrown = makeError();
    bedrock.on(ConverseCommand).rejects(thrown);

    const err = await model()
      .converse(request)
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    const providerErr = err as ProviderError;
    expect(providerErr.kind).toBe(kind);
    expect(providerErr.fallsThrough).toBe(kind === 'throttled' || kind === 'unavailable' || kind === 'timeout');
    expect(providerErr.model).toStrictEqual({ provider: 'bedrock', model: MODEL_ID, simulated: false });
    expect(providerErr.message).toContain(`bedrock:${MODEL_ID} ${kind}: `);
    expect(providerErr.message).toContain(thrown.message);
    expect(providerErr.cause).toBe(thrown);
  });

  it('passes a ProviderError through unchanged', () => {
    const identity = { provider: 'bedrock', model: MODEL_ID, simulated: false } as const;
    const original = new ProviderError('auth', identity, 'already classified');

    expect(classifyBedrockError(original, identity)).toBe(original);
  });
});
