import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { UnexpectedError, ValidationError } from '@shared/errors';
import type { ModelRef } from '@shared/workflow';
import { BedrockChatModel } from './bedrock';
import { createChatModel, createModelChain } from './factory';
import { FallbackChatModel } from './fallback';
import { LocalModel } from './local-model';
import { OpenAICompatibleModel } from './openai-compatible';
import { startBedrockServer, type LocalBedrockServer } from './test-support/bedrock-server';
import { completionText, startOpenAIServer, type LocalOpenAIServer } from './test-support/openai-server';
import { textOf, type ChatRequest } from './types';

const haiku: ModelRef = { provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' };
const request: ChatRequest = { messages: [{ role: 'user', content: [{ text: 'Hello there' }] }] };
const fixture = new LocalModel({ name: 'mine', replies: [{ reply: { text: 'scripted' } }] });

let bedrockServer: LocalBedrockServer;
let openaiServer: LocalOpenAIServer;
let bedrock: BedrockRuntimeClient;

beforeAll(async () => {
  [bedrockServer, openaiServer] = await Promise.all([startBedrockServer(), startOpenAIServer()]);
  bedrock = bedrockServer.client();
});
afterAll(async () => {
  await Promise.all([bedrockServer.close(), openaiServer.close()]);
});

describe('createChatModel in real mode', () => {
  it('builds a Bedrock model for a bedrock ref', () => {
    const model = createChatModel(haiku, { mode: 'real', bedrock });

    expect(model).toBeInstanceOf(BedrockChatModel);
    expect(model.identity).toStrictEqual({ provider: 'bedrock', model: haiku.model, simulated: false });
  });

  it('refuses a bedrock ref without a Bedrock client instead of answering locally', () => {
    const build = () => createChatModel(haiku, { mode: 'real', local: fixture });

    expect(build).toThrow(UnexpectedError);
    expect(build).toThrow(/needs a Bedrock client.*never substitutes the local model/);
  });

  it('rejects baseUrl on a bedrock ref', () => {
    expect(() => createChatModel({ ...haiku, baseUrl: 'http://x.example/v1' }, { mode: 'real', bedrock })).toThrow(ValidationError);
  });

  it('builds an OpenAI-compatible model that reads its API key secret on first use, through the given fetch', async () => {
    const secretsRead: string[] = [];
    const fetched: string[] = [];
    const model = createChatModel(
      { provider: 'openai_compatible', model: 'gpt-4o-mini', baseUrl: openaiServer.baseUrl, apiKeySecret: 'stepflow/llm-gateway' },
      {
        mode: 'real',
        secrets: async (name) => {
          secretsRead.push(name);
          return 'sk-secret-value';
        },
        fetch: async (input, init) => {
          fetched.push(String(input));
          return fetch(input, init);
        },
      },
    );
    expect(secretsRead).toStrictEqual([]);
    openaiServer.enqueue({ json: completionText('hi from gateway') });

    const res = await model.converse(request);

    expect(model).toBeInstanceOf(OpenAICompatibleModel);
    expect(textOf(res.content)).toBe('hi from gateway');
    expect(secretsRead).toStrictEqual(['stepflow/llm-gateway']);
    expect(fetched).toStrictEqual([`${openaiServer.baseUrl}/chat/completions`]);
    expect(openaiServer.requests[openaiServer.requests.length - 1]?.headers.authorization).toBe('Bearer sk-secret-value');
  });

  it('refuses an openai_compatible ref without baseUrl', () => {
    const build = () => createChatModel({ provider: 'openai_compatible', model: 'llama3' }, { mode: 'real', local: fixture });

    expect(build).toThrow(ValidationError);
    expect(build).toThrow(/has no baseUrl/);
  });

  it('refuses an apiKeySecret when no secret reader is configured', () => {
    expect(() =>
      createChatModel({ provider: 'openai_compatible', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', apiKeySecret: 'k' }, { mode: 'real' }),
    ).toThrow(/no secret reader/);
  });

  it('serves an explicit local ref with the local model, by fixture name', async () => {
    const asked: string[] = [];
    const model = createChatModel(
      { provider: 'local', model: 'mine' },
      {
        mode: 'real',
        local: (name) => {
          asked.push(name);
          return fixture;
        },
      },
    );

    const res = await model.converse(request);

    expect(asked).toStrictEqual(['mine']);
    expect(res.model).toStrictEqual({ provider: 'local', model: 'local:mine', simulated: true });
  });

  it('uses the shipped default fixture for a local ref when no local model is given', () => {
    expect(createChatModel({ provider: 'local', model: 'default' }, { mode: 'real' }).identity.model).toBe('local:default');
  });
});

describe('createChatModel in local mode', () => {
  it.each<ModelRef>([
    haiku,
    { provider: 'openai_compatible', model: 'llama3', baseUrl: 'http://127.0.0.1:1/v1' },
    { provider: 'openai_compatible', model: 'llama3' },
    { provider: 'local', model: 'mine' },
  ])('serves $provider:$model with the local model, marked simulated, without calling a provider', async (ref) => {
    const before = [bedrockServer.requests.length, openaiServer.requests.length];

    const res = await createChatModel(ref, { mode: 'local', bedrock, local: fixture }).converse(request);

    expect(res.model).toStrictEqual({ provider: 'local', model: 'local:mine', simulated: true });
    expect(textOf(res.content)).toBe('scripted');
    expect([bedrockServer.requests.length, openaiServer.requests.length]).toStrictEqual(before);
  });

  it('defaults to the shipped fixture', async () => {
    const res = await createChatModel(haiku, { mode: 'local' }).converse(request);

    expect(res.model).toStrictEqual({ provider: 'local', model: 'local:default', simulated: true });
    expect(textOf(res.content)).toBe('[local model] Hello there');
  });
});

describe('createModelChain', () => {
  it('chains the refs in order and falls from a throttled Bedrock model to an OpenAI-compatible one', async () => {
    bedrockServer.enqueue({ error: { status: 429, type: 'ThrottlingException', message: 'slow down' } });
    openaiServer.enqueue({ json: completionText('second model') });
    const fallbacks: string[] = [];
    const chain = createModelChain([haiku, { provider: 'openai_compatible', model: 'llama3', baseUrl: openaiServer.baseUrl }], {
      mode: 'real',
      bedrock,
      onFallback: (e) => fallbacks.push(`${e.from.model} -> ${e.to.model}`),
    });

    const res = await chain.converse(request);

    expect(chain).toBeInstanceOf(FallbackChatModel);
    expect(chain.identity.model).toBe(haiku.model);
    expect(res.model.model).toBe('llama3');
    expect(fallbacks).toStrictEqual([`${haiku.model} -> llama3`]);
  });

  it('fails at build time in real mode when any ref is misconfigured (no silent local fallback)', () => {
    expect(() => createModelChain([{ provider: 'openai_compatible', model: 'llama3' }, haiku], { mode: 'real', bedrock, local: fixture })).toThrow(
      ValidationError,
    );
  });

  it('collapses every ref into one local model in local mode', () => {
    const chain = createModelChain([haiku, { provider: 'bedrock', model: 'amazon.nova-micro-v1:0' }], { mode: 'local', local: fixture });

    expect(chain.models).toHaveLength(1);
    expect(chain.identity.simulated).toBe(true);
  });
});
