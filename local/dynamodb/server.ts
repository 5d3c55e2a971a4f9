/**
 * The local DynamoDB on the wire: an HTTP server speaking the DynamoDB JSON 1.0 protocol on
 * 127.0.0.1 (for the AWS CLI, NoSQL Workbench and any SDK pointed at it), and request handlers
 * that let an AWS SDK client in this process, or in another thread through a MessagePort,
 * reach it without HTTP: the SDK still builds, signs and parses every request as it would for
 * DynamoDB, only the socket is skipped.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import type { LocalDynamo } from './engine';

export interface DynamoHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Request bodies above this are refused, as DynamoDB refuses requests over 16 MB. */
const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @example
 * ```ts
 * const server = await serveDynamo(await LocalDynamo.open(), { port: 0 });
 * new DynamoDBClient({ endpoint: server.url });
 * ```
 */
export function serveDynamo(db: LocalDynamo, options: { port?: number } = {}): Promise<DynamoHttpServer> {
  const server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        const answer =
          req.method !== 'POST'
            ? { status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#UnknownOperationException', message: 'DynamoDB takes POST requests with an X-Amz-Target header' }) }
            : body === undefined
              ? { status: 413, body: JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Request body too large (over 16 MB)' }) }
              : db.handle(String(req.headers['x-amz-target'] ?? ''), body);
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
        res.end(answer.body);
      },
      () => res.destroy(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** The part of an AWS SDK HTTP request a handler needs. */
interface SdkRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** An AWS SDK v3 request handler (the `requestHandler` client option). */
export interface SdkRequestHandler {
  handle(request: SdkRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

const targetOf = (headers: Record<string, string>) => headers['x-amz-target'] ?? headers['X-Amz-Target'] ?? '';
// The SDK's JSON body is a Uint8Array with string methods (that warn): read its bytes directly.
const bodyText = (body: unknown) => (typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') : '');
const response = (status: number, body: string) => ({ response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: Buffer.from(body) } });

/** Calls the local DynamoDB in this thread. */
export function directHandler(db: LocalDynamo): SdkRequestHandler {
  return {
    handle: async (request) => {
      const answer = db.handle(targetOf(request.headers), bodyText(request.body));
      return response(answer.status, answer.body);
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
}

interface PortRequest {
  readonly id: number;
  readonly target: string;
  readonly body: string;
}
interface PortAnswer {
  readonly id: number;
  readonly status: number;
  readonly body: string;
}

/** Answers requests that arrive on a MessagePort (from {@link portHandler} in another thread). */
export function servePort(db: LocalDynamo, port: MessagePort): void {
  port.on('message', (batch: PortRequest[]) => {
    port.postMessage(
      batch.map((m) => {
        const answer = db.handle(m.target, m.body);
        return { id: m.id, status: answer.status, body: answer.body } satisfies PortAnswer;
      }),
    );
  });
}

/** Sends this thread's SDK requests to the local DynamoDB in another thread. */
export function portHandler(port: MessagePort): SdkRequestHandler {
  let next = 0;
  const waiting = new Map<number, (a: PortAnswer) => void>();
  port.on('message', (answers: PortAnswer[]) => {
    for (const a of answers) {
      const resolve = waiting.get(a.id);
      waiting.delete(a.id);
      resolve?.(a);
    }
  });
  // The requests of one turn of the event loop (a batch's parallel writes) travel in one message.
  let outgoing: PortRequest[] = [];
  const flush = () => {
    const batch = outgoing;
    outgoing = [];
    if (batch.length > 0 && !closed) port.postMessage(batch);
  };
  // The DynamoDB thread went away (stopped or crashed): what waits gets an error, not a hang.
  let closed = false;
  port.on('close', () => {
    closed = true;
    for (const resolve of waiting.values()) resolve({ id: 0, status: 500, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'the local DynamoDB thread has stopped' }) });
    waiting.clear();
  });
  // Only while requests are outstanding does the port keep the process alive.
  port.unref();
  return {
    handle: (request) =>
      new Promise((resolve) => {
        if (closed) {
          resolve(response(500, JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'the local DynamoDB thread has stopped' })));
          return;
        }
        const id = ++next;
        if (waiting.size === 0) port.ref();
        waiting.set(id, (a) => {
          if (waiting.size === 0) port.unref();
          resolve(response(a.status, a.body));
        });
        outgoing.push({ id, target: targetOf(request.headers), body: bodyText(request.body) });
        if (outgoing.length === 1) setImmediate(flush);
      }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => port.close(),
  };
}

/**
 * Options for an SDK client that reaches the local DynamoDB through `handler`: requests are not
 * signed (nothing checks a signature here; SigV4 was about a tenth of a request's CPU) and the
 * endpoint is fixed (no endpoint rules evaluated per request).
 * @example
 * ```ts
 * new DynamoDBClient({ region, credentials, ...inProcessClientOptions(db.handler(), db.url) });
 * ```
 */
export function inProcessClientOptions(handler: SdkRequestHandler, url: string) {
  const endpoint = { url: new URL(url) };
  return {
    endpoint: url,
    requestHandler: handler,
    signer: { sign: async <T>(request: T): Promise<T> => request },
    endpointProvider: () => endpoint,
  };
}
