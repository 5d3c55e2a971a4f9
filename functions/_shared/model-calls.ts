/**
 * One model call with accounting: reserve the budget, call, settle the ledger with the real
 * usage and cost, and report usage in the lifecycle-event shape. Shared by the llm and agent
 * runtimes so both count tokens and stop on the budget the same way.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import type { Usage } from '@shared/events';
import type { ChatModel, ChatOptions, ChatRequest, ChatResponse, ModelIdentity, TokenUsage } from './models/types';
import { ProviderError } from './models/types';
import type { Budget, UsageLedger } from './usage-ledger';

export type Pricing = (identity: ModelIdentity, usage: TokenUsage) => { costUsd: number; priced: boolean };

export interface ModelCallDeps {
  readonly ledger: UsageLedger;
  readonly pricing: Pricing;
}

/** Running totals of the calls a node made. */
export class UsageMeter {
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  costUsd = 0;

  add(u: TokenUsage, costUsd: number): void {
    this.inputTokens += u.inputTokens;
    this.outputTokens += u.outputTokens;
    this.cacheReadTokens += u.cacheReadTokens;
    this.cacheWriteTokens += u.cacheWriteTokens;
    this.costUsd += costUsd;
  }

  /** In the snake_case shape of node_completed's `usage`. */
  toEventUsage(): Usage {
    return {
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      cache_read_tokens: this.cacheReadTokens,
      cache_write_tokens: this.cacheWriteTokens,
      cost_usd: Math.round(this.costUsd * 1e8) / 1e8,
    };
  }
}

/** A conservative token estimate: ~4 characters a token, plus the output limit. */
export function estimateTokens(request: ChatRequest, defaultMaxTokens = 1024): number {
  let chars = request.system?.length ?? 0;
  for (const m of request.messages) chars += JSON.stringify(m.content).length;
  for (const t of request.tools ?? []) chars += JSON.stringify(t).length;
  return Math.ceil(chars / 4) + (request.maxTokens ?? defaultMaxTokens);
}

/**
 * Calls the model within the execution's budget.
 * @throws NodeError Stepflow.BudgetExceeded before calling when the call could cross the budget;
 * provider failures as Stepflow.Throttled / Unavailable / Timeout (retryable) or ValidationError.
 * @example
 * ```ts
 * const res = await callModel(model, request, { ledger, pricing }, { executionId, budget, meter });
 * ```
 */
export async function callModel(
  model: ChatModel,
  request: ChatRequest,
  deps: ModelCallDeps,
  ctx: { executionId: string; budget?: Budget; meter: UsageMeter; options?: ChatOptions },
): Promise<ChatResponse> {
  const tokens = estimateTokens(request);
  const half = Math.ceil(tokens / 2);
  const estimateCost = deps.pricing(model.identity, { inputTokens: half, outputTokens: tokens - half, cacheReadTokens: 0, cacheWriteTokens: 0 }).costUsd;
  const reservation = await deps.ledger.reserve(ctx.executionId, { tokens, costUsd: estimateCost }, ctx.budget);
  let response: ChatResponse;
  try {
    response = await model.converse(request, ctx.options);
  } catch (err) {
    await deps.ledger.settle(reservation, undefined);
    throw toNodeError(err);
  }
  const { costUsd } = deps.pricing(response.model, response.usage);
  await deps.ledger.settle(reservation, { ...response.usage, costUsd });
  ctx.meter.add(response.usage, costUsd);
  return response;
}

/** Maps provider failures to the error names the ASL retries and catches on. */
export function toNodeError(err: unknown): Error {
  if (err instanceof NodeError) return err;
  if (err instanceof ProviderError) {
    const name =
      err.kind === 'throttled' ? ErrorNames.Throttled : err.kind === 'unavailable' ? ErrorNames.Unavailable : err.kind === 'timeout' ? ErrorNames.Timeout : err.kind === 'validation' || err.kind === 'auth' ? ErrorNames.Validation : ErrorNames.Internal;
    return new NodeError(name, err.message, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** How events name a model: `bedrock:anthropic.claude-...`, `local:default (simulated)`. */
export function modelLabel(identity: ModelIdentity): string {
  return identity.simulated ? `${identity.model} (simulated)` : `${identity.provider}:${identity.model}`;
}
