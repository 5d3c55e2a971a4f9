import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEDROCK_PRICES, baseModelId, costOf, priceOf } from './pricing';
import type { ModelIdentity, TokenUsage } from './types';

const bedrock = (model: string): ModelIdentity => ({ provider: 'bedrock', model, simulated: false });
const usage = (u: Partial<TokenUsage>): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...u });

describe('costOf', () => {
  it('prices input and output tokens per million', () => {
    // Claude 3.5 Haiku: $0.80 in, $4 out per million tokens.
    expect(costOf(bedrock('anthropic.claude-3-5-haiku-20241022-v1:0'), usage({ inputTokens: 1000, outputTokens: 500 }))).toStrictEqual({
      costUsd: 0.0028,
      priced: true,
    });
  });

  it('prices cache reads and writes at their own rates', () => {
    // Claude 3.7 Sonnet: cache read $0.30, cache write $3.75 per million tokens.
    const cost = costOf(bedrock('anthropic.claude-3-7-sonnet-20250219-v1:0'), usage({ cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 }));

    expect(cost).toStrictEqual({ costUsd: 4.05, priced: true });
  });

  it('prices cache tokens of a model without cache prices at the input price', () => {
    expect(costOf(bedrock('meta.llama3-1-8b-instruct-v1:0'), usage({ cacheReadTokens: 1_000_000 })).costUsd).toBe(0.22);
  });

  it.each([
    'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    'eu.anthropic.claude-3-5-haiku-20241022-v1:0',
    'apac.anthropic.claude-3-5-haiku-20241022-v1:0',
    'global.anthropic.claude-3-5-haiku-20241022-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
  ])('prices the inference profile or ARN %s like its base model', (id) => {
    expect(costOf(bedrock(id), usage({ inputTokens: 1_000_000 }))).toStrictEqual({ costUsd: 0.8, priced: true });
  });

  it('costs 0, unpriced, for a simulated model even when its name is in the table', () => {
    const simulated: ModelIdentity = { provider: 'bedrock', model: 'amazon.nova-micro-v1:0', simulated: true };

    expect(costOf(simulated, usage({ inputTokens: 1_000_000 }))).toStrictEqual({ costUsd: 0, priced: false });
    expect(costOf({ provider: 'local', model: 'local:default', simulated: true }, usage({ inputTokens: 5 }))).toStrictEqual({
      costUsd: 0,
      priced: false,
    });
  });

  it('costs 0, unpriced, for unknown models', () => {
    expect(costOf(bedrock('acme.unknown-model-v1:0'), usage({ inputTokens: 1000 }))).toStrictEqual({ costUsd: 0, priced: false });
    expect(costOf({ provider: 'openai_compatible', model: 'llama3', simulated: false }, usage({ inputTokens: 1000 }))).toStrictEqual({
      costUsd: 0,
      priced: false,
    });
  });

  it('accepts a custom price table', () => {
    const table = { 'gpt-4o-mini': { input: 0.15, output: 0.6 } };

    expect(costOf({ provider: 'openai_compatible', model: 'gpt-4o-mini', simulated: false }, usage({ outputTokens: 1_000_000 }), table)).toStrictEqual({
      costUsd: 0.6,
      priced: true,
    });
  });
});

describe('price table', () => {
  it.each([
    'anthropic.claude-3-haiku-20240307-v1:0',
    'anthropic.claude-3-sonnet-20240229-v1:0',
    'anthropic.claude-3-opus-20240229-v1:0',
    'anthropic.claude-3-5-haiku-20241022-v1:0',
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'anthropic.claude-3-7-sonnet-20250219-v1:0',
    'anthropic.claude-sonnet-4-20250514-v1:0',
    'anthropic.claude-opus-4-20250514-v1:0',
    'anthropic.claude-haiku-4-5-20251001-v1:0',
    'amazon.nova-micro-v1:0',
    'amazon.nova-lite-v1:0',
    'amazon.nova-pro-v1:0',
    'meta.llama3-70b-instruct-v1:0',
    'meta.llama3-1-70b-instruct-v1:0',
    'meta.llama3-2-11b-instruct-v1:0',
    'meta.llama3-3-70b-instruct-v1:0',
    'mistral.mistral-7b-instruct-v0:2',
    'mistral.mistral-large-2407-v1:0',
  ])('prices %s', (id) => {
    expect(priceOf(id)).toBeDefined();
  });

  it('has sane entries: positive prices, output >= input, cache reads cheaper than input', () => {
    for (const [id, price] of Object.entries(BEDROCK_PRICES)) {
      expect({ id, ok: price.input > 0 && price.output >= price.input }).toStrictEqual({ id, ok: true });
      if (price.cacheRead !== undefined) expect({ id, ok: price.cacheRead < price.input }).toStrictEqual({ id, ok: true });
    }
  });

  it('prices a context-window variant like its base model', () => {
    expect(priceOf('anthropic.claude-3-5-sonnet-20241022-v2:0:200k')).toBe(BEDROCK_PRICES['anthropic.claude-3-5-sonnet-20241022-v2:0']);
  });

  it('keeps ids without a profile prefix unchanged (meta. and amazon. are providers, not regions)', () => {
    expect(baseModelId('meta.llama3-8b-instruct-v1:0')).toBe('meta.llama3-8b-instruct-v1:0');
    expect(baseModelId('amazon.nova-lite-v1:0')).toBe('amazon.nova-lite-v1:0');
  });

  it('prices every Bedrock model the example workflows use', () => {
    const examples = join(__dirname, '..', '..', '..', 'examples');
    const ids = new Set<string>();
    for (const file of readdirSync(examples).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(examples, file), 'utf8');
      for (const m of text.matchAll(/"provider":\s*"bedrock",\s*"model":\s*"([^"]+)"/g)) if (m[1] !== undefined) ids.add(m[1]);
    }

    expect(ids.size).toBeGreaterThan(0);
    expect([...ids].filter((id) => priceOf(id) === undefined)).toStrictEqual([]);
  });
});
