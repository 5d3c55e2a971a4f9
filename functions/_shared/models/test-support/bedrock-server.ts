/**
 * A scripted stand-in for the Bedrock Runtime service on 127.0.0.1, speaking the real wire
 * format, so tests can drive a real `BedrockRuntimeClient` (its serializers, error parsing and
 * event-stream decoding) without AWS.
 *
 * - `POST /model/{urlencoded modelId}/converse` answers JSON (`ConverseResponse`).
 * - `POST /model/{id}/converse-stream` answers `application/vnd.amazon.eventstream` frames
 *   encoded with `@smithy/eventstream-codec` (headers `:event-type`, `:content-type`,
 *   `:message-type`), like the service.
 * - Errors are answered as the service does: the HTTP status, `x-amzn-errortype` and a JSON body
 *   with `message`, which the client turns into its modelled exception classes.
 *
 * It is cleartext HTTP/2 (`http2.createServer()`), because the Bedrock Runtime client defaults to
 * an HTTP/2 request handler.
 *
 * Responses are consumed in order, one per request; with an empty script the server answers 500
 * with a message saying so, so a test that makes an unexpected call fails loudly.
 *
 * @example
 * ```ts
 * const server = await startBedrockServer();
 * server.enqueue({ converse: converseText('Hello') });
 * const client = server.client();
 * const out = await client.send(new ConverseCommand({ modelId: 'm', messages: [] }));
 * await server.close();
 * ```
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';

/** One event of a ConverseStream answer: the event name and its JSON payload. */
export interface BedrockStreamEvent {
  /** messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, metadata. */
  readonly event: string;
  readonly payload: unknown;
}

/** One scripted answer. */
export type BedrockScriptedResponse =
  /** 200 with this JSON body (a ConverseResponse). */
  | { readonly converse: unknown; readonly delayMs?: number }
  /** 200 with these events as event-stream frames. */
  | { readonly stream: readonly BedrockStreamEvent[]; readonly delayMs?: number }
  /** An in-stream exception frame after `events` (e.g. throttlingException mid-stream). */
  | {
      readonly streamError: { readonly type: string; readonly message: string };
      readonly events?: readonly BedrockStreamEvent[];
    }
  /** An HTTP error as the service sends it (status, `x-amzn-errortype`, `{ message }`). */
  | { readonly error: { readonly status: number; readonly type: string; readonly message: string } }
  /** Never answers (the client's timeout or abort must end the call). */
  | { readonly hang: true }
  /** Resets the HTTP/2 stream without answering (a dropped connection). */
  | { readonly reset: true };

/** A request the server received. */
export interface BedrockRecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The decoded model id from the path. */
  readonly modelId: string;
  readonly operation: 'converse' | 'converse-stream' | 'unknown';
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
}

export interface LocalBedrockServer {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  readonly requests: readonly BedrockRecordedRequest[];
  /** Appends answers, consumed one per request in order. */
  enqueue(...responses: BedrockScriptedResponse[]): void;
  /**
   * A real client pointed at this server, with static fake credentials and `maxAttempts: 1` (so a
   * scripted 429 reaches the caller instead of being retried by the SDK). Destroyed on close().
   */
  client(config?: { readonly maxAttempts?: number; readonly requestTimeoutMs?: number }): BedrockRuntimeClient;
  close(): Promise<void>;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const codec = new EventStreamCodec(
  (bytes) => utf8Decoder.decode(bytes),
  (text) => utf8Encoder.encode(text),
);

/** Encodes one event-stream frame as the service does for a ConverseStream event. */
export function encodeEvent(event: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: event },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: utf8Encoder.encode(JSON.stringify(payload)),
  });
}

/** Encodes an in-stream exception frame (`:message-type exception`). */
export function encodeException(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: utf8Encoder.encode(JSON.stringify({ message })),
  });
}

/** A ConverseResponse body with one text block. */
export function converseText(
  text: string,
  usage: { inputTokens?: number; outputTokens?: number } = {},
  stopReason = 'end_turn',
): unknown {
  const inputTokens = usage.inputTokens ?? 10;
  const outputTokens = usage.outputTokens ?? 5;
  return {
    output: { message: { role: 'assistant', content: [{ text }] } },
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 1 },
  };
}

/** The events of a streamed text answer split into `chunks`. */
export function streamText(chunks: readonly string[], usage = { inputTokens: 10, outputTokens: 5 }): BedrockStreamEvent[] {
  return [
    { event: 'messageStart', payload: { role: 'assistant' } },
    ...chunks.map((text) => ({ event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text } } })),
    { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
    { event: 'messageStop', payload: { stopReason: 'end_turn' } },
    {
      event: 'metadata',
      payload: { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens }, metrics: { latencyMs: 1 } },
    },
  ];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startBedrockServer(): Promise<LocalBedrockServer> {
  const queue: BedrockScriptedResponse[] = [];
  const requests: BedrockRecordedRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const clients: BedrockRuntimeClient[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url;
      const match = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path.split('?')[0] ?? '');
      requests.push({
        method: req.method,
        path,
        modelId: match?.[1] !== undefined ? decodeURIComponent(match[1]) : '',
        operation: match?.[2] === 'converse' || match?.[2] === 'converse-stream' ? match[2] : 'unknown',
        headers: { ...req.headers },
        body: parseJson(Buffer.concat(chunks).toString('utf8')),
      });

      const next = queue.shift();
      if (next === undefined) {
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' });
        res.end(JSON.stringify({ message: `bedrock test server: no scripted response left for ${req.method} ${path}` }));
        return;
      }
      if ('hang' in next) return;
      if ('reset' in next) {
        res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      if ('error' in next) {
        res.writeHead(next.error.status, {
          'content-type': 'application/json',
          'x-amzn-errortype': `${next.error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
          'x-amzn-requestid': 'test-request-id',
        });
        res.end(JSON.stringify({ message: next.error.message }));
        return;
      }
      const answer = () => {
        if ('converse' in next) {
          res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'test-request-id' });
          res.end(JSON.stringify(next.converse));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'test-request-id' });
        const events = 'stream' in next ? next.stream : (next.events ?? []);
        for (const e of events) res.write(encodeEvent(e.event, e.payload));
        if ('streamError' in next) res.write(encodeException(next.streamError.type, next.streamError.message));
        res.end();
      };
      const delayMs = 'delayMs' in next ? (next.delayMs ?? 0) : 0;
      if (delayMs > 0) later(delayMs, answer);
      else answer();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    client: (config = {}) => {
      const client = new BedrockRuntimeClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
        maxAttempts: config.maxAttempts ?? 1,
        ...(config.requestTimeoutMs === undefined ? {} : { requestHandler: { requestTimeout: config.requestTimeoutMs } }),
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const client of clients) client.destroy();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
