import { UnexpectedError } from '@shared/errors';
import { BedrockChatModel } from './bedrock';
import { FallbackChatModel, type FallbackEvent } from './fallback';
import { OpenAICompatibleModel } from './openai-compatible';
import { startBedrockServer, type LocalBedrockServer } from './test-support/bedrock-server';
import { completionText, startOpenAIServer, type LocalOpenAIServer } from './test-support/openai-server';
import {
  ProviderError,
  textOf,
  type ChatModel,
  type ChatOptions,
  type ChatRequest,
  type ChatResponse,
  type ModelIdentity,
  type ProviderErrorKind,
} from './types';

const request: ChatRequest = { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] };

/** A fake model that answers or fails as told, and records its calls. */
class FakeModel implements ChatModel {
  readonly identity: ModelIdentity;
  calls = 0;
  constructor(
    name: string,
    private readonly outcome: { fail: ProviderErrorKind | Error } | { answer: string },
  ) {
    this.identity = { provider: 'bedrock', model: name, simulated: false };
  }
  async converse(_request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    this.calls++;
    if ('fail' in this.outcome) {
      if (this.outcome.fail instanceof Error) throw this.outcome.fail;
      throw new ProviderError(this.outcome.fail, this.identity, `${this.identity.model} said ${this.outcome.fail}`);
    }
    options.onDelta?.(this.outcome.answer);
    return {
      content: [{ text: this.outcome.answer }],
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      model: this.identity,
    };
  }
}

describe('FallbackChatModel', () => {
  it('answers with the first model when it succeeds, without calling the others', async () => {
    const a = new FakeModel('a', { answer: 'from a' });
    const b = new FakeModel('b', { answer: 'from b' });

    const res = await new FallbackChatModel([a, b]).converse(request);

    expect(textOf(res.content)).toBe('from a');
    expect(res.model.model).toBe('a');
    expect(b.calls).toBe(0);
  });

  it.each(['throttled', 'unavailable', 'timeout'] as const)('falls through on %s, in order, and reports the answering model', async (kind) => {
    const a = new FakeModel('a', { fail: kind });
    const b = new FakeModel('b', { fail: 'unavailable' });
    const c = new FakeModel('c', { answer: 'from c' });
    const events: FallbackEvent[] = [];

    const res = await new FallbackChatModel([a, b, c], { onFallback: (e) => events.push(e) }).converse(request);

    expect(textOf(res.content)).toBe('from c');
    expect(res.model).toStrictEqual(c.identity);
    expect([a.calls, b.calls, c.calls]).toStrictEqual([1, 1, 1]);
    expect(events.map((e) => [e.from.model, e.to.model, e.error.kind, e.attempt])).toStrictEqual([
      ['a', 'b', kind, 1],
      ['b', 'c', 'unavailable', 2],
    ]);
  });

  it.each(['auth', 'validation', 'unknown'] as const)('rethrows %s at once without trying the next model', async (kind) => {
    const a = new FakeModel('a', { fail: kind });
    const b = new FakeModel('b', { answer: 'from b' });

    const err = await new FallbackChatModel([a, b]).converse(request).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind, message: 'a said ' + kind });
    expect(b.calls).toBe(0);
  });

  it('rethrows an unclassified error (a bug) at once', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const b = new FakeModel('b', { answer: 'from b' });

    await expect(new FallbackChatModel([new FakeModel('a', { fail: bug }), b]).converse(request)).rejects.toBe(bug);
    expect(b.calls).toBe(0);
  });

  it('stops at an auth failure after falling through earlier models', async () => {
    const c = new FakeModel('c', { answer: 'never' });

    const err = await new FallbackChatModel([new FakeModel('a', { fail: 'throttled' }), new FakeModel('b', { fail: 'auth' }), c])
      .converse(request)
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ kind: 'auth', model: { model: 'b' } });
    expect(c.calls).toBe(0);
  });

  it('when every model fails, throws the last kind with every attempt in the message', async () => {
    const err = await new FallbackChatModel([new FakeModel('a', { fail: 'throttled' }), new FakeModel('b', { fail: 'timeout' })])
      .converse(request)
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    const providerErr = err as ProviderError;
    expect(providerErr.kind).toBe('timeout');
    expect(providerErr.model.model).toBe('b');
    expect(providerErr.message).toBe(
      'all 2 model(s) of the fallback chain failed (bedrock:a -> bedrock:b): bedrock:a throttled: a said throttled; bedrock:b timeout: b said timeout',
    );
    expect((providerErr.cause as AggregateError).errors).toHaveLength(2);
  });

  it("exposes the first model's identity and refuses an empty chain", () => {
    const a = new FakeModel('a', { answer: 'x' });

    expect(new FallbackChatModel([a, new FakeModel('b', { answer: 'y' })]).identity).toBe(a.identity);
    expect(() => new FallbackChatModel([])).toThrow(UnexpectedError);
  });

  it('passes options (onDelta) through to the answering model', async () => {
    const deltas: string[] = [];

    await new FallbackChatModel([new FakeModel('a', { fail: 'throttled' }), new FakeModel('b', { answer: 'streamed' })]).converse(request, {
      onDelta: (t) => deltas.push(t),
    });

    expect(deltas).toStrictEqual(['streamed']);
  });
});

describe('FallbackChatModel over real adapters', () => {
  let bedrockServer: LocalBedrockServer;
  let openaiServer: LocalOpenAIServer;

  beforeAll(async () => {
    [bedrockServer, openaiServer] = await Promise.all([startBedrockServer(), startOpenAIServer()]);
  });
  afterAll(async () => {
    await Promise.all([bedrockServer.close(), openaiServer.close()]);
  });

  it('falls from a throttled Bedrock model (HTTP 429) to an OpenAI-compatible model that answers', async () => {
    const modelId = 'anthropic.claude-3-5-haiku-20241022-v1:0';
    bedrockServer.enqueue({ error: { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait.' } });
    openaiServer.enqueue({ json: completionText('Hello from llama3', { prompt_tokens: 9, completion_tokens: 4 }) });
    const events: FallbackEvent[] = [];
    const chain = new FallbackChatModel(
      [
        new BedrockChatModel(bedrockServer.client(), modelId),
        new OpenAICompatibleModel({ baseUrl: openaiServer.baseUrl, model: 'llama3', timeoutMs: 5_000 }),
      ],
      { onFallback: (e) => events.push(e) },
    );

    const res = await chain.converse(request);

    expect(bedrockServer.requests.map((r) => r.modelId)).toStrictEqual([modelId]);
    expect(openaiServer.requests).toHaveLength(1);
    expect(textOf(res.content)).toBe('Hello from llama3');
    expect(res.model).toStrictEqual({ provider: 'openai_compatible', model: 'llama3', simulated: false });
    expect(events).toHaveLength(1);
    expect(events[0]?.error.kind).toBe('throttled');
    expect(events[0]?.error.message).toContain('ThrottlingException');
  });

  it('lists both real failures when the OpenAI-compatible model is down too', async () => {
    bedrockServer.enqueue({ error: { status: 429, type: 'ThrottlingException', message: 'Too many requests' } });
    openaiServer.enqueue({ error: { status: 503, message: 'model is loading' } });
    const chain = new FallbackChatModel([
      new BedrockChatModel(bedrockServer.client(), 'anthropic.claude-3-haiku-20240307-v1:0'),
      new OpenAICompatibleModel({ baseUrl: openaiServer.baseUrl, model: 'llama3', timeoutMs: 5_000 }),
    ]);

    const err = await chain.converse(request).catch((e: unknown) => e);

    expect(err).toMatchObject({ kind: 'unavailable' });
    expect((err as Error).message).toMatch(
      /bedrock:anthropic\.claude-3-haiku-20240307-v1:0 throttled: ThrottlingException.*Too many requests; openai_compatible:llama3 unavailable: HTTP 503 .*model is loading/,
    );
  });
});
