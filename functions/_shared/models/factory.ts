/**
 * Builds models from workflow `ModelRef`s. The one place that decides what serves a ref:
 *
 * - mode `local`: every ref, whatever its provider, is served by the local model. This is chosen
 *   by configuration (the local platform, demos, tests) and every response says
 *   `simulated: true`.
 * - mode `real`: refs go to their provider. A `local` ref is served by the local model only
 *   because it says so explicitly. Bedrock and OpenAI-compatible refs NEVER fall back to the local
 *   model: a missing client or base URL is a configuration error, raised when the model is built,
 *   so a deployment can never quietly answer with simulated output.
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { UnexpectedError, ValidationError } from '@shared/errors';
import type { ModelRef } from '@shared/workflow';
import { BedrockChatModel } from './bedrock';
import { FallbackChatModel, type FallbackOptions } from './fallback';
import { LocalModel } from './local-model';
import { OpenAICompatibleModel } from './openai-compatible';
import type { ChatModel } from './types';

/** What the factory builds models with. */
export interface ChatModelDeps {
  /** `local` serves every ref with the local model; `real` calls the providers. */
  readonly mode: 'real' | 'local';
  /** Required in real mode for bedrock refs. */
  readonly bedrock?: BedrockRuntimeClient;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Reads a secret by name (an OpenAI-compatible ref's `apiKeySecret`); called on first use. */
  readonly secrets?: (name: string) => Promise<string>;
  /**
   * The local model, or a function of the fixture name (a local ref's `model`; `default` for refs
   * served locally in local mode).
   * @default the shipped fixture (`fixtures/default.json`)
   */
  readonly local?: LocalModel | ((fixtureName: string) => LocalModel);
  /**
   * Limit of one OpenAI-compatible call, streaming included.
   * @default 60_000
   */
  readonly openaiTimeoutMs?: number;
  /** Passed to the {@link FallbackChatModel} of {@link createModelChain}. */
  readonly onFallback?: FallbackOptions['onFallback'];
}

const DEFAULT_OPENAI_TIMEOUT_MS = 60_000;
const label = (ref: ModelRef) => `${ref.provider}:${ref.model}`;

function localModel(deps: ChatModelDeps, fixtureName: string): LocalModel {
  if (deps.local === undefined) return LocalModel.default();
  return typeof deps.local === 'function' ? deps.local(fixtureName) : deps.local;
}

/**
 * Builds the model that serves one ref.
 *
 * @example
 * ```ts
 * const model = createChatModel({ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }, { mode: 'real', bedrock });
 * const simulated = createChatModel({ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }, { mode: 'local' });
 * simulated.identity.simulated // true
 * ```
 */
export function createChatModel(ref: ModelRef, deps: ChatModelDeps): ChatModel {
  if (deps.mode === 'local') return localModel(deps, ref.provider === 'local' ? ref.model : 'default');

  switch (ref.provider) {
    case 'local':
      return localModel(deps, ref.model);
    case 'bedrock': {
      if (ref.baseUrl !== undefined || ref.apiKeySecret !== undefined) {
        throw new ValidationError(
          `model ${label(ref)}: baseUrl and apiKeySecret apply only to openai_compatible models; Bedrock uses the runtime's IAM role. Remove them, or set provider to openai_compatible.`,
        );
      }
      if (deps.bedrock === undefined) {
        throw new UnexpectedError(
          `model ${label(ref)} needs a Bedrock client, but none was configured (deps.bedrock). In real mode Stepflow never substitutes the local model: pass a BedrockRuntimeClient, or run in local mode.`,
        );
      }
      return new BedrockChatModel(deps.bedrock, ref.model);
    }
    case 'openai_compatible': {
      if (ref.baseUrl === undefined) {
        throw new ValidationError(
          `model ${label(ref)} has no baseUrl: an openai_compatible model needs the endpoint's base URL (e.g. "http://localhost:11434/v1").`,
        );
      }
      const { apiKeySecret } = ref;
      const { secrets } = deps;
      if (apiKeySecret !== undefined && secrets === undefined) {
        throw new UnexpectedError(
          `model ${label(ref)} reads its API key from secret "${apiKeySecret}", but no secret reader was configured (deps.secrets).`,
        );
      }
      return new OpenAICompatibleModel({
        baseUrl: ref.baseUrl,
        model: ref.model,
        timeoutMs: deps.openaiTimeoutMs ?? DEFAULT_OPENAI_TIMEOUT_MS,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
        ...(apiKeySecret === undefined || secrets === undefined ? {} : { apiKey: () => secrets(apiKeySecret) }),
      });
    }
  }
}

/**
 * Builds the fallback chain of a node's `models` list. In local mode refs served by the same
 * local model collapse into one (trying it twice would give the same answer).
 *
 * @example
 * ```ts
 * const chain = createModelChain(config.models, { mode: 'real', bedrock, secrets, onFallback: (e) => logger.warn('fallback', { ...e }) });
 * const res = await chain.converse(request);
 * ```
 */
export function createModelChain(refs: readonly ModelRef[], deps: ChatModelDeps): FallbackChatModel {
  const models: ChatModel[] = [];
  for (const ref of refs) {
    const model = createChatModel(ref, deps);
    if (!models.some((m) => m === model || (m.identity.simulated && m.identity.model === model.identity.model))) models.push(model);
  }
  return new FallbackChatModel(models, deps.onFallback === undefined ? {} : { onFallback: deps.onFallback });
}
