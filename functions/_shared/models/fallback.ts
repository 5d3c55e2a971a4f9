/**
 * A fallback chain of models: the llm node's `models` list, tried in order.
 *
 * Only failures another model could fix fall through (throttled, unavailable, timeout, per
 * {@link ProviderError.fallsThrough}); auth, validation and unknown failures stop the chain at
 * once, because the next model would not help and the caller must fix something. When every model
 * failed, one ProviderError lists every attempt, so a single log line explains the whole story.
 */
import { UnexpectedError } from '@shared/errors';
import { describeAttempt, modelLabel } from './provider-error';
import { ProviderError, type ChatModel, type ChatOptions, type ChatRequest, type ChatResponse, type ModelIdentity } from './types';

/** What {@link FallbackOptions.onFallback} is told when the chain moves on. */
export interface FallbackEvent {
  /** The model that failed. */
  readonly from: ModelIdentity;
  /** The model tried next. */
  readonly to: ModelIdentity;
  readonly error: ProviderError;
  /** 1-based index of the attempt that failed. */
  readonly attempt: number;
}

export interface FallbackOptions {
  /**
   * Called before the next model is tried (to log it, or emit a lifecycle event). When streaming,
   * deltas of the failed attempt were already delivered; this is where a caller can say so.
   */
  readonly onFallback?: (event: FallbackEvent) => void;
}

/**
 * A {@link ChatModel} that tries each of `models` in order. Its `identity` is the first model's;
 * each response carries the identity of the model that actually answered.
 *
 * @example
 * ```ts
 * const chain = new FallbackChatModel([haiku, nova], { onFallback: (e) => logger.warn('model fallback', { ...e }) });
 * const res = await chain.converse(request);
 * res.model // the model that answered, e.g. nova's identity after haiku was throttled
 * ```
 */
export class FallbackChatModel implements ChatModel {
  readonly identity: ModelIdentity;

  constructor(
    readonly models: readonly ChatModel[],
    private readonly options: FallbackOptions = {},
  ) {
    const first = models[0];
    if (first === undefined) throw new UnexpectedError('FallbackChatModel needs at least one model (got an empty list)');
    this.identity = first.identity;
  }

  async converse(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    const failures: ProviderError[] = [];
    for (const [index, model] of this.models.entries()) {
      try {
        return await model.converse(request, options);
      } catch (err) {
        if (!(err instanceof ProviderError) || !err.fallsThrough) throw err;
        failures.push(err);
        const next = this.models[index + 1];
        if (next !== undefined) this.options.onFallback?.({ from: model.identity, to: next.identity, error: err, attempt: index + 1 });
      }
    }
    // The loop returned or threw unless every model failed with a fall-through error.
    const last = failures[failures.length - 1] as ProviderError;
    const labels = this.models.map((m) => modelLabel(m.identity)).join(' -> ');
    throw new ProviderError(
      last.kind,
      last.model,
      `all ${failures.length} model(s) of the fallback chain failed (${labels}): ${failures.map(describeAttempt).join('; ')}`,
      { cause: new AggregateError(failures, 'every model of the fallback chain failed') },
    );
  }
}
