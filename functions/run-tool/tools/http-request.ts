/**
 * `http_request`: calls an HTTP API on an allow-listed host.
 *
 * Safety, in the order it is applied:
 * - only absolute http(s) URLs without embedded credentials (argument validation);
 * - the host must be on the allow-list, checked BEFORE any connection is made, and again for
 *   every redirect target (redirects are followed here, at most {@link MAX_REDIRECTS}, never by
 *   fetch, so a redirect cannot lead off the list);
 * - credentials (Authorization, Cookie) are dropped when a redirect changes origin;
 * - one time limit covers the whole exchange (redirects and body included);
 * - the body is read as a stream and the request aborted as soon as it passes the size cap, so
 *   an endless or huge response costs at most `maxResponseBytes` of memory.
 *
 * Decision: an HTTP error status (4xx, 5xx) is a RESULT, not a failure: `{ status, ok: false,
 * body }` comes back as data, so a workflow can branch on `output.status` and an agent can read
 * the API's error message. Only transport problems throw (refused host, timeout, oversized
 * body, connection failure). A 429/503 is therefore not retried by Step Functions on its own;
 * route on the status (condition node) where that matters.
 */
import * as z from 'zod/mini';
import '@shared/zod-en';
import { ErrorNames, NodeError } from '@shared/errors';
import { checkHttpUrl, parseHttpUrl } from '../host-allow-list';
import type { ToolDefinition } from '../tool-registry';

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 3;

export interface HttpRequestToolOptions {
  /** Hosts the tool may reach: exact names or `*.suffix` wildcards (see host-allow-list.ts). */
  readonly allowHosts: readonly string[];
  /** Limit for the whole exchange, redirects and body included. @default 10000 */
  readonly timeoutMs?: number;
  /** Largest response body read (after content decoding). @default 1048576 (1 MiB) */
  readonly maxResponseBytes?: number;
  /** The fetch implementation (tests, proxies). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Response headers passed back: enough to use the answer, without cookies or server internals. */
const RETURNED_HEADERS = ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'location', 'retry-after', 'cache-control', 'link', 'x-request-id'];

/** Headers fetch or the connection owns; letting a caller set `host` would also sidestep the allow-list at the virtual-host level. */
const FORBIDDEN_REQUEST_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);

/** Dropped on a redirect to another origin, as browsers do: credentials are for the origin they were written for. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const args = z
  .strictObject({
    method: z._default(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']), 'GET').check(z.describe('HTTP method. Default GET.')),
    url: z.string().check(z.minLength(1), z.maxLength(2048), z.describe('Absolute http(s) URL, e.g. "https://api.example.com/v1/items". Only allow-listed hosts can be reached.')),
    headers: z
      .optional(z.record(z.string().check(z.regex(HEADER_NAME, 'must be a valid HTTP header name'), z.maxLength(256)), z.string().check(z.maxLength(8192))))
      .check(z.describe('Request headers, e.g. {"accept": "application/json"}. Host, Content-Length and connection headers are set automatically.')),
    query: z
      .optional(z.record(z.string().check(z.minLength(1), z.maxLength(256)), z.union([z.string().check(z.maxLength(2048)), z.number(), z.boolean()])))
      .check(z.describe('Query parameters appended to the URL, e.g. {"q": "lambda", "limit": 10}.')),
    body: z
      .optional(z.unknown())
      .check(
        z.describe(
          'Request body for POST/PUT/PATCH/DELETE: a string is sent as text/plain, any other JSON value as application/json (unless a content-type header is given). Omit or null for no body.',
        ),
      ),
  })
  .check(
    z.superRefine((a, ctx) => {
      // Syntax and scheme are argument errors; the host is checked at run time, before connecting.
      const url = parseHttpUrl(a.url);
      if (!url.ok) ctx.addIssue({ code: 'custom', path: ['url'], message: url.reason });
      for (const name of Object.keys(a.headers ?? {})) {
        if (FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `header "${name}" cannot be set by a tool call` });
      }
      if ((a.method === 'GET' || a.method === 'HEAD') && a.body !== undefined && a.body !== null) {
        ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${a.method} request cannot have a body; use POST, PUT or PATCH` });
      }
    }),
  );

export type HttpRequestArgs = z.infer<typeof args>;

export interface HttpResponseResult {
  readonly status: number;
  /** `true` for 2xx. */
  readonly ok: boolean;
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Parsed JSON for JSON content types, text for text, base64 for binary, null when empty. */
  readonly body: unknown;
  readonly bodyEncoding: 'json' | 'text' | 'base64' | 'none';
}

/** Thrown through the abort signal, so a timeout can be told apart from the caller aborting. */
class TimeoutReason extends Error {}

function isJsonType(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(contentType) || /\+json\b/i.test(contentType.split(';')[0] ?? '');
}

function isTextType(contentType: string): boolean {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type === '' ||
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|graphql|csv)$/.test(type) ||
    type.endsWith('+xml')
  );
}

function charsetOf(contentType: string): string {
  return /charset\s*=\s*"?([\w-]+)"?/i.exec(contentType)?.[1] ?? 'utf-8';
}

function decodeText(bytes: Uint8Array, contentType: string): string {
  try {
    return new TextDecoder(charsetOf(contentType)).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // unknown charset label: UTF-8 is the best guess
  }
}

async function readCapped(res: Response, maxBytes: number, controller: AbortController, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  // With content-encoding the header counts compressed bytes; only the streamed count is exact.
  if (!res.headers.has('content-encoding') && Number.isFinite(declared) && declared > maxBytes) {
    controller.abort();
    throw new Error(`${what}: response body is ${declared} bytes, over the limit of ${maxBytes} bytes; request less data (a range, a page, a filter)`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop the transfer now rather than draining it: the point of the cap is not to receive the rest.
      controller.abort();
      await reader.cancel().catch(() => undefined);
      throw new Error(`${what}: response body exceeded the limit of ${maxBytes} bytes; request less data (a range, a page, a filter)`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function encodeBody(a: HttpRequestArgs, headers: Headers): string | undefined {
  if (a.body === undefined || a.body === null) return undefined;
  if (typeof a.body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
    return a.body;
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return JSON.stringify(a.body);
}

function parseBody(bytes: Uint8Array, contentType: string, method: string): Pick<HttpResponseResult, 'body' | 'bodyEncoding'> {
  if (method === 'HEAD' || bytes.byteLength === 0) return { body: null, bodyEncoding: 'none' };
  if (isJsonType(contentType)) {
    const text = decodeText(bytes, contentType);
    try {
      return { body: JSON.parse(text) as unknown, bodyEncoding: 'json' };
    } catch {
      // A server that labels broken JSON as JSON: the text is still worth more than an error.
      return { body: text, bodyEncoding: 'text' };
    }
  }
  if (isTextType(contentType)) return { body: decodeText(bytes, contentType), bodyEncoding: 'text' };
  return { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' };
}

/**
 * Creates the `http_request` tool for the given allow-list and limits.
 *
 * @example
 * ```ts
 * const tool = httpRequestTool({ allowHosts: ['api.github.com', '*.example.com'], timeoutMs: 5_000, maxResponseBytes: 256 * 1024 });
 * await tool.run({ method: 'GET', url: 'https://api.github.com/zen' }, {}) // { status: 200, ok: true, body: '...', ... }
 * ```
 */
export function httpRequestTool(options: HttpRequestToolOptions): ToolDefinition<typeof args> {
  const allowHosts = [...options.allowHosts];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return {
    name: 'http_request',
    description: `Makes an HTTP request and returns { status, ok, url, headers, body }; JSON bodies come back parsed. Non-2xx statuses are returned, not raised. Reachable hosts: ${allowHosts.join(', ') || 'none'}.`,
    args,
    async run(a, ctx) {
      const first = checkHttpUrl(a.url, allowHosts);
      if (!first.ok) throw new Error(`http_request refused ${a.url}: ${first.reason}`);
      let url = first.url;
      for (const [k, v] of Object.entries(a.query ?? {})) url.searchParams.append(k, String(v));
      let method: string = a.method;
      const headers = new Headers(a.headers ?? {});
      let body = encodeBody(a, headers);

      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new TimeoutReason()), timeoutMs);
      const onAbort = (): void => controller.abort(ctx.signal?.reason);
      if (ctx.signal?.aborted) onAbort();
      else ctx.signal?.addEventListener('abort', onAbort, { once: true });
      const what = (): string => `http_request ${method} ${url.href}`;
      try {
        for (let hop = 0; ; hop += 1) {
          const res = await fetchImpl(url, { method, headers, body: body ?? null, redirect: 'manual', signal: controller.signal });
          const location = res.headers.get('location');
          if (res.status >= 300 && res.status < 400 && res.status !== 304 && location !== null) {
            await res.body?.cancel().catch(() => undefined);
            if (hop >= MAX_REDIRECTS) throw new Error(`${what()}: more than ${MAX_REDIRECTS} redirects (the last one to ${location})`);
            let next: URL;
            try {
              next = new URL(location, url);
            } catch {
              throw new Error(`${what()}: redirected to an invalid location "${location.slice(0, 200)}"`);
            }
            const checked = checkHttpUrl(next.href, allowHosts);
            if (!checked.ok) throw new Error(`${what()}: redirect (${res.status}) to ${next.href} refused: ${checked.reason}`);
            // 303 always, and 301/302 after a POST, turn into a GET without body (as every browser does).
            if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
              if (method !== 'HEAD') method = 'GET';
              body = undefined;
              headers.delete('content-type');
            }
            if (checked.url.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
            url = checked.url;
            continue;
          }
          const contentType = res.headers.get('content-type') ?? '';
          const bytes = await readCapped(res, maxBytes, controller, what());
          const selected: Record<string, string> = {};
          for (const h of RETURNED_HEADERS) {
            const v = res.headers.get(h);
            if (v !== null) selected[h] = v;
          }
          return { status: res.status, ok: res.ok, url: url.href, headers: selected, ...parseBody(bytes, contentType, method) } satisfies HttpResponseResult;
        }
      } catch (err) {
        if (controller.signal.reason instanceof TimeoutReason) {
          throw new NodeError(ErrorNames.Timeout, `${what()}: no complete response within ${timeoutMs} ms`, { cause: err });
        }
        if (ctx.signal?.aborted) throw new Error(`${what()}: aborted by the caller`, { cause: err });
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        // By name, not instanceof: fetch's TypeError may come from another realm (vm contexts, jest).
        if ((err as Error).name === 'TypeError' && typeof code === 'string') {
          // fetch reports socket failures as TypeError('fetch failed') with the errno in `cause`.
          throw new NodeError(ErrorNames.Unavailable, `${what()}: connection failed (${code})`, { cause: err });
        }
        throw err;
      } finally {
        clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
