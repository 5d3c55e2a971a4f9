/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (plain `http`), for tests of
 * the OpenAI-compatible adapter and of anything built on it.
 *
 * `POST /v1/chat/completions` answers the next scripted response: JSON, an SSE stream
 * (`data: <json>` lines, then `data: [DONE]`), an error status with OpenAI's error body, raw
 * bytes, a hang, or a destroyed socket. With an empty script it answers 500 saying so, so an
 * unexpected call fails loudly. Every request is recorded (path, headers, parsed body).
 *
 * @example
 * ```ts
 * const server = await startOpenAIServer();
 * server.enqueue({ json: completionText('Hello') });
 * const model = new OpenAICompatibleModel({ baseUrl: server.baseUrl, model: 'llama3', timeoutMs: 5_000 });
 * await model.converse({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
 * await server.close();
 * ```
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export type OpenAIScriptedResponse =
  /** A JSON body (status 200 unless given). */
  | { readonly json: unknown; readonly status?: number; readonly delayMs?: number }
  /**
   * An SSE stream: objects are sent as `data: <json>` events, strings are written raw (to split a
   * line across network writes). `done: false` leaves out the final `data: [DONE]`.
   */
  | { readonly stream: ReadonlyArray<unknown>; readonly done?: boolean; readonly chunkDelayMs?: number }
  /** An error as OpenAI sends it: `{ error: { message, type, code } }`. */
  | { readonly error: { readonly status: number; readonly message: string; readonly type?: string } }
  /** Raw bytes with a status and content type (e.g. an HTML page from a proxy). */
  | { readonly raw: string; readonly status: number; readonly contentType?: string }
  /** Never answers (the client's timeout must end the call). */
  | { readonly hang: true }
  /** Destroys the socket without answering (a dropped connection). */
  | { readonly destroy: true };

/** A request the server received. */
export interface OpenAIRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
}

export interface LocalOpenAIServer {
  /** `http://127.0.0.1:PORT/v1`, the value for `baseUrl`. */
  readonly baseUrl: string;
  readonly requests: readonly OpenAIRecordedRequest[];
  /** Appends answers, consumed one per request in order. */
  enqueue(...responses: OpenAIScriptedResponse[]): void;
  close(): Promise<void>;
}

/** A completion body with one text answer. */
export function completionText(
  text: string,
  usage: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number } = {},
  finishReason = 'stop',
): unknown {
  const prompt = usage.prompt_tokens ?? 10;
  const completion = usage.completion_tokens ?? 5;
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(usage.cached_tokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: usage.cached_tokens } }),
    },
  };
}

/** The chunks of a streamed text answer (then a usage-only chunk, as with `include_usage`). */
export function streamTextChunks(parts: readonly string[], usage = { prompt_tokens: 10, completion_tokens: 5 }): unknown[] {
  const chunk = (delta: unknown, finish: string | null) => ({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...parts.map((content) => chunk({ content }, null)),
    chunk({}, 'stop'),
    { id: 'chatcmpl-test', object: 'chat.completion.chunk', choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } },
  ];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startOpenAIServer(): Promise<LocalOpenAIServer> {
  const queue: OpenAIScriptedResponse[] = [];
  const requests: OpenAIRecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: parseJson(Buffer.concat(chunks).toString('utf8')),
      });
      void answer(req, res);
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `openai test server: no route ${req.method} ${req.url}`, type: 'not_found' } }));
      return;
    }
    const next = queue.shift();
    if (next === undefined) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'openai test server: no scripted response left', type: 'server_error' } }));
      return;
    }
    if ('hang' in next) return;
    if ('destroy' in next) {
      req.socket.destroy();
      return;
    }
    if ('error' in next) {
      res.writeHead(next.error.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: next.error.message, type: next.error.type ?? 'error', code: null } }));
      return;
    }
    if ('raw' in next) {
      res.writeHead(next.status, { 'content-type': next.contentType ?? 'text/plain' });
      res.end(next.raw);
      return;
    }
    if ('json' in next) {
      if (next.delayMs !== undefined) await sleep(next.delayMs);
      if (res.destroyed) return;
      res.writeHead(next.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(next.json));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const item of next.stream) {
      if (res.destroyed) return;
      res.write(typeof item === 'string' ? item : `data: ${JSON.stringify(item)}\n\n`);
      if (next.chunkDelayMs !== undefined) await sleep(next.chunkDelayMs);
    }
    if (next.done !== false) res.write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
