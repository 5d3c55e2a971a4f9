/**
 * Helpers shared by the model adapters to build {@link ProviderError}s with one message shape:
 * `<provider>:<model> <kind>: <detail>`, so a fallback chain can list its attempts readably and a
 * log line says which model failed and how.
 */
import { ProviderError, type ModelIdentity, type ProviderErrorKind } from './types';

/**
 * `provider:model`, the label used in error messages and logs.
 *
 * @example
 * ```ts
 * modelLabel({ provider: 'bedrock', model: 'amazon.nova-micro-v1:0', simulated: false }) // 'bedrock:amazon.nova-micro-v1:0'
 * ```
 */
export function modelLabel(identity: ModelIdentity): string {
  return `${identity.provider}:${identity.model}`;
}

/**
 * Builds a ProviderError whose message starts with the model label and the kind.
 *
 * @example
 * ```ts
 * throw providerError('throttled', identity, 'HTTP 429: rate limit reached', { cause: err });
 * ```
 */
export function providerError(
  kind: ProviderErrorKind,
  identity: ModelIdentity,
  detail: string,
  options: { cause?: unknown } = {},
): ProviderError {
  return new ProviderError(kind, identity, `${modelLabel(identity)} ${kind}: ${detail}`, options);
}

/**
 * A ProviderError's message in the `<label> <kind>: <detail>` shape, whoever built it (fakes and
 * other adapters may not use {@link providerError}).
 *
 * @example
 * ```ts
 * describeAttempt(new ProviderError('timeout', identity, 'no answer in 30 s')) // 'bedrock:m timeout: no answer in 30 s'
 * ```
 */
export function describeAttempt(error: ProviderError): string {
  const prefix = `${modelLabel(error.model)} ${error.kind}: `;
  return error.message.startsWith(prefix) ? error.message : `${prefix}${error.message}`;
}

/**
 * Network failures surface as differently shaped errors (undici's `TypeError: fetch failed` with
 * a `cause.code`, the AWS SDK's wrapper whose message embeds the Node error code): this finds a
 * connection-level code anywhere in the chain, so both adapters classify them the same way.
 */
const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
] as const;

/** The first network error code found in `err`, its causes or their messages. */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const record = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof record.code === 'string' && (NETWORK_CODES as readonly string[]).includes(record.code)) return record.code;
    if (typeof record.message === 'string') {
      const found = NETWORK_CODES.find((code) => record.message !== undefined && String(record.message).includes(code));
      if (found !== undefined) return found;
      if (/socket hang up/i.test(record.message)) return 'ECONNRESET';
    }
    current = record.cause;
  }
  return undefined;
}

/** A short, single-line description of any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
