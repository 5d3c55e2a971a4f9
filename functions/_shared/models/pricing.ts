/**
 * What a model call cost, from its usage and a price table of Bedrock models.
 *
 * Prices are Amazon Bedrock's public on-demand list prices for us-east-1 in USD per million
 * tokens, as published on https://aws.amazon.com/bedrock/pricing/ (see {@link PRICES_AS_OF}).
 * They were transcribed, not fetched: this table is a budget guard and an estimate shown to
 * users, not a bill. Batch, provisioned-throughput, long-context tiers and regional premiums are
 * not modelled; check the page before relying on a figure.
 *
 * Cache prices: Anthropic models on Bedrock bill cache writes at 1.25x and cache reads at 0.1x
 * the input price; Nova bills cache reads at 0.25x and has no write premium. Models without prompt
 * caching never report cache tokens, so they list no cache prices.
 */
import type { ModelIdentity, TokenUsage } from './types';

/** The date the list prices below were transcribed. */
export const PRICES_AS_OF = '2025-11';

/** Prices of one model, in USD per million tokens. */
export interface ModelPricesUsdPerMTok {
  readonly input: number;
  readonly output: number;
  /** @default the input price (for models that offer no prompt caching) */
  readonly cacheRead?: number;
  /** @default the input price */
  readonly cacheWrite?: number;
}

const anthropic = (input: number, output: number, cached: boolean): ModelPricesUsdPerMTok =>
  cached ? { input, output, cacheRead: round(input * 0.1), cacheWrite: round(input * 1.25) } : { input, output };
const nova = (input: number, output: number): ModelPricesUsdPerMTok => ({ input, output, cacheRead: round(input * 0.25), cacheWrite: input });
const flat = (input: number, output: number): ModelPricesUsdPerMTok => ({ input, output });
/** Keeps derived prices free of binary-float noise (0.1 * 3 = 0.30000000000000004). */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Base model id -> prices. Cross-region inference profiles (`us.`, `eu.`, `apac.`, `global.` ...)
 * and ARNs resolve to these ids via {@link baseModelId}.
 */
export const BEDROCK_PRICES: Readonly<Record<string, ModelPricesUsdPerMTok>> = {
  // Anthropic Claude 3
  'anthropic.claude-3-haiku-20240307-v1:0': anthropic(0.25, 1.25, false),
  'anthropic.claude-3-sonnet-20240229-v1:0': anthropic(3, 15, false),
  'anthropic.claude-3-opus-20240229-v1:0': anthropic(15, 75, false),
  // Claude 3.5 / 3.7
  'anthropic.claude-3-5-haiku-20241022-v1:0': anthropic(0.8, 4, true),
  'anthropic.claude-3-5-sonnet-20240620-v1:0': anthropic(3, 15, false),
  'anthropic.claude-3-5-sonnet-20241022-v2:0': anthropic(3, 15, true),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': anthropic(3, 15, true),
  // Claude 4 family
  'anthropic.claude-sonnet-4-20250514-v1:0': anthropic(3, 15, true),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': anthropic(3, 15, true),
  'anthropic.claude-haiku-4-5-20251001-v1:0': anthropic(1, 5, true),
  'anthropic.claude-opus-4-20250514-v1:0': anthropic(15, 75, true),
  'anthropic.claude-opus-4-1-20250805-v1:0': anthropic(15, 75, true),
  'anthropic.claude-opus-4-5-20251101-v1:0': anthropic(5, 25, true),
  // Amazon Nova
  'amazon.nova-micro-v1:0': nova(0.035, 0.14),
  'amazon.nova-lite-v1:0': nova(0.06, 0.24),
  'amazon.nova-pro-v1:0': nova(0.8, 3.2),
  'amazon.nova-premier-v1:0': nova(2.5, 12.5),
  // Meta Llama 3.x
  'meta.llama3-8b-instruct-v1:0': flat(0.3, 0.6),
  'meta.llama3-70b-instruct-v1:0': flat(2.65, 3.5),
  'meta.llama3-1-8b-instruct-v1:0': flat(0.22, 0.22),
  'meta.llama3-1-70b-instruct-v1:0': flat(0.72, 0.72),
  'meta.llama3-1-405b-instruct-v1:0': flat(2.4, 2.4),
  'meta.llama3-2-1b-instruct-v1:0': flat(0.1, 0.1),
  'meta.llama3-2-3b-instruct-v1:0': flat(0.15, 0.15),
  'meta.llama3-2-11b-instruct-v1:0': flat(0.16, 0.16),
  'meta.llama3-2-90b-instruct-v1:0': flat(0.72, 0.72),
  'meta.llama3-3-70b-instruct-v1:0': flat(0.72, 0.72),
  // Mistral
  'mistral.mistral-7b-instruct-v0:2': flat(0.15, 0.2),
  'mistral.mixtral-8x7b-instruct-v0:1': flat(0.45, 0.7),
  'mistral.mistral-small-2402-v1:0': flat(1, 3),
  'mistral.mistral-large-2402-v1:0': flat(4, 12),
  'mistral.mistral-large-2407-v1:0': flat(2, 6),
  'mistral.pixtral-large-2502-v1:0': flat(2, 6),
};

/** Geographic prefixes of Bedrock cross-region inference profile ids. */
const PROFILE_PREFIX = /^(?:us|us-gov|eu|apac|ap|jp|au|ca|global)\./;

/**
 * The base model id behind an inference profile id or an ARN.
 *
 * @example
 * ```ts
 * baseModelId('us.anthropic.claude-3-5-haiku-20241022-v1:0') // 'anthropic.claude-3-5-haiku-20241022-v1:0'
 * baseModelId('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0') // 'amazon.nova-lite-v1:0'
 * ```
 */
export function baseModelId(modelId: string): string {
  const afterArn = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return afterArn.replace(PROFILE_PREFIX, '');
}

/**
 * Prices of a model id, or undefined when it is not in the table. A context-window variant
 * (`...-v1:0:200k`) is priced like its base model.
 *
 * @example
 * ```ts
 * priceOf('eu.amazon.nova-micro-v1:0')?.input // 0.035
 * ```
 */
export function priceOf(
  modelId: string,
  table: Readonly<Record<string, ModelPricesUsdPerMTok>> = BEDROCK_PRICES,
): ModelPricesUsdPerMTok | undefined {
  const base = baseModelId(modelId);
  return table[base] ?? table[base.replace(/:\d+k$/, '')];
}

/**
 * What one call cost. Simulated (local) models and models missing from the table cost 0 with
 * `priced: false`, so a report can say "not priced" instead of pretending a call was free.
 *
 * @example
 * ```ts
 * costOf({ provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', simulated: false },
 *        { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0 })
 * // { costUsd: 0.0028, priced: true }
 * ```
 */
export function costOf(
  identity: ModelIdentity,
  usage: TokenUsage,
  table: Readonly<Record<string, ModelPricesUsdPerMTok>> = BEDROCK_PRICES,
): { costUsd: number; priced: boolean } {
  if (identity.simulated || identity.provider === 'local') return { costUsd: 0, priced: false };
  const price = priceOf(identity.model, table);
  if (price === undefined) return { costUsd: 0, priced: false };
  const usdPerMillion =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheReadTokens * (price.cacheRead ?? price.input) +
    usage.cacheWriteTokens * (price.cacheWrite ?? price.input);
  // Rounded to a billionth of a dollar: enough for any sum of calls, free of float noise.
  return { costUsd: Math.round((usdPerMillion / 1_000_000) * 1e9) / 1e9, priced: true };
}
