import { describeAttempt, errorText, modelLabel, networkErrorCode, providerError } from './provider-error';
import { ProviderError, type ModelIdentity } from './types';

const identity: ModelIdentity = { provider: 'openai_compatible', model: 'llama3', simulated: false };

describe('provider error helpers', () => {
  it('labels a model as provider:model', () => {
    expect(modelLabel(identity)).toBe('openai_compatible:llama3');
  });

  it('builds a ProviderError whose message starts with the label and kind, keeping the cause', () => {
    const cause = new Error('socket closed');

    const err = providerError('unavailable', identity, 'HTTP 503: loading', { cause });

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'unavailable', model: identity, message: 'openai_compatible:llama3 unavailable: HTTP 503: loading', cause });
  });

  it('describes an attempt in the same shape whoever built the error, without doubling the prefix', () => {
    expect(describeAttempt(providerError('timeout', identity, 'slow'))).toBe('openai_compatible:llama3 timeout: slow');
    expect(describeAttempt(new ProviderError('throttled', identity, 'rate limited'))).toBe('openai_compatible:llama3 throttled: rate limited');
  });

  it.each([
    ['a fetch failure with a coded cause', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }), 'ECONNREFUSED'],
    ['an SDK wrapper naming the code in its message', new Error('AWS SDK error wrapper for Error [ERR_HTTP2_STREAM_ERROR]: closed'), 'ERR_HTTP2_STREAM_ERROR'],
    ['a socket hang up', new Error('socket hang up'), 'ECONNRESET'],
    ['an unrelated error', new Error('bad input'), undefined],
    ['a non-error', 'text', undefined],
  ])('finds the network code of %s', (_label, err, code) => {
    expect(networkErrorCode(err)).toBe(code);
  });

  it('keeps the first line of an error message', () => {
    expect(errorText(new Error('first\nsecond'))).toBe('first');
    expect(errorText(42)).toBe('42');
  });
});
