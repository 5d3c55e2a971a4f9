/**
 * The local stand-in for an API Gateway WebSocket API: a `ws` server that routes
 * `$connect` / `$disconnect` / `$default` (and `action`-selected routes) to Lambda-style
 * handlers with the event shape API Gateway sends, plus the `@connections` management
 * endpoint on the same HTTP server, so the real `ApiGatewayManagementApiClient` works.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayProxyEventHeaders,
  APIGatewayProxyEventMultiValueHeaders,
  APIGatewayProxyEventMultiValueQueryStringParameters,
  APIGatewayProxyEventQueryStringParameters,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
  Context,
} from 'aws-lambda';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** API Gateway's WebSocket message limit (32 KB frames, 128 KB per message). */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;

/** The `requestContext` API Gateway sends to WebSocket route integrations. */
export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  /** Present on MESSAGE events only, as on API Gateway. */
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  identity: { sourceIp: string; userAgent?: string };
  /** DISCONNECT only: the WebSocket close code. */
  disconnectStatusCode?: number;
  /** DISCONNECT only: the close reason. */
  disconnectReason?: string;
}

/** The event a route handler receives (API Gateway's WebSocket proxy event). */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<WebSocketRequestContext> & {
  /** `$connect` only. */
  headers?: APIGatewayProxyEventHeaders;
  /** `$connect` only. */
  multiValueHeaders?: APIGatewayProxyEventMultiValueHeaders;
};

/** What a route handler may return; `body` is sent back to the client (two-way route). */
export interface WebSocketRouteResult {
  statusCode?: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A Lambda-style route handler. */
export type WebSocketRouteHandler = (
  event: WebSocketEvent,
  context: Context,
) => Promise<WebSocketRouteResult | void>;

/** Route handlers by route key; `$default` is required. */
export interface WebSocketRoutes {
  $connect?: WebSocketRouteHandler;
  $disconnect?: WebSocketRouteHandler;
  $default: WebSocketRouteHandler;
  [routeKey: string]: WebSocketRouteHandler | undefined;
}

/** Options of {@link startWebSocketGateway}. */
export interface WebSocketGatewayOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default `0` (any free port). */
  port?: number;
  /** Stage name, the first path segment of the management endpoint; default `local`. */
  stage?: string;
  routes: WebSocketRoutes;
  /**
   * Route selection expression: the route key for a message body. Default: the JSON body's
   * `action` field (API Gateway's `$request.body.action`). Unknown keys go to `$default`.
   */
  routeSelection?: (body: string) => string | undefined;
  /** Largest client message and PostToConnection payload; default 128 KiB. */
  maxMessageBytes?: number;
}

/** A running gateway. */
export interface WebSocketGateway {
  /** Where clients connect, e.g. `ws://127.0.0.1:PORT`. */
  url: string;
  /** The `ApiGatewayManagementApiClient` endpoint, e.g. `http://127.0.0.1:PORT/local`. */
  managementEndpoint: string;
  /** Ids of the open connections. */
  connections(): string[];
  /**
   * PostToConnection without the HTTP hop, for callers in this process (the local platform's
   * fan-out): the same outcomes as the @connections endpoint, `'gone'` where it answers 410.
   * @throws Error for data over the size limit (the endpoint's 413)
   */
  postToConnection(connectionId: string, data: string): 'sent' | 'gone';
  /** Closes every socket (running `$disconnect` for each) and the server. */
  close(): Promise<void>;
}

interface Connection {
  id: string;
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent?: string;
  /** Set once the connection is gone (closed, deleted); `$disconnect` runs once. */
  gone: boolean;
  closed: Promise<void>;
}

/** `$request.body.action`: the JSON body's string `action`, else nothing. */
function defaultRouteSelection(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'action' in parsed) {
      const action = (parsed as { action: unknown }).action;
      return typeof action === 'string' ? action : undefined;
    }
  } catch {
    // not JSON: $default
  }
  return undefined;
}

function requestId(): string {
  // API Gateway's look: 12 url-safe base64 characters ending in '='.
  return `${randomBytes(8).toString('base64url')}=`;
}

function lambdaContext(functionName: string, awsRequestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function isSuccess(result: WebSocketRouteResult | void): boolean {
  const status = result?.statusCode;
  return status === undefined || (status >= 200 && status < 300);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status >= 500 ? 'Internal Server Error' : 'Refused';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function splitQuery(url: URL): {
  single?: APIGatewayProxyEventQueryStringParameters;
  multi?: APIGatewayProxyEventMultiValueQueryStringParameters;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  let any = false;
  for (const [key, value] of url.searchParams) {
    any = true;
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  return any ? { single, multi } : {};
}

function splitHeaders(req: IncomingMessage): {
  single: APIGatewayProxyEventHeaders;
  multi: APIGatewayProxyEventMultiValueHeaders;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/**
 * Starts a local API Gateway WebSocket API with its `@connections` management endpoint.
 *
 * @example
 * ```ts
 * const gateway = await startWebSocketGateway({
 *   stage: 'local',
 *   routes: {
 *     $connect: async (event) =>
 *       event.queryStringParameters?.token === 'secret' ? { statusCode: 200 } : { statusCode: 401 },
 *     $default: async (event) => ({ statusCode: 200, body: `echo: ${event.body ?? ''}` }),
 *   },
 * });
 * const client = new ApiGatewayManagementApiClient({ endpoint: gateway.managementEndpoint, region: 'us-east-1' });
 * // new WebSocket(`${gateway.url}?token=secret`) ...
 * await gateway.close();
 * ```
 */
export async function startWebSocketGateway(options: WebSocketGatewayOptions): Promise<WebSocketGateway> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const routes = options.routes;
  const selectRoute = options.routeSelection ?? defaultRouteSelection;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const apiId = randomBytes(8).toString('hex').slice(0, 10);

  const connections = new Map<string, Connection>();
  const issuedIds = new Set<string>();
  const pending = new Set<Promise<unknown>>();
  let closing = false;
  let domainName = host;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => undefined);
    return promise;
  };

  const newConnectionId = (): string => {
    for (;;) {
      // 11 random bytes: 15 url-safe base64 characters + '=', like 'L0SM9cOFvHcCIhw='.
      const id = `${randomBytes(11).toString('base64url')}=`;
      if (!issuedIds.has(id)) {
        issuedIds.add(id);
        return id;
      }
    }
  };

  const baseContext = (
    routeKey: string,
    eventType: WebSocketRequestContext['eventType'],
    connectionId: string,
    connectedAt: number,
    identity: WebSocketRequestContext['identity'],
  ): WebSocketRequestContext => {
    const now = Date.now();
    const id = requestId();
    return {
      routeKey,
      eventType,
      extendedRequestId: id,
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage,
      connectedAt,
      requestTimeEpoch: now,
      requestId: id,
      domainName,
      connectionId,
      apiId,
      identity,
    };
  };

  const invoke = (routeKey: string, handler: WebSocketRouteHandler, event: WebSocketEvent) =>
    track(
      Promise.resolve().then(() => handler(event, lambdaContext(`ws-${routeKey.replace(/\W/g, '')}`, event.requestContext.requestId))),
    );

  const runDisconnect = (connection: Connection, code: number, reason: string): void => {
    if (connection.gone) return;
    connection.gone = true;
    connections.delete(connection.id);
    const handler = routes.$disconnect;
    if (!handler) return;
    const event: WebSocketEvent = {
      requestContext: {
        ...baseContext('$disconnect', 'DISCONNECT', connection.id, connection.connectedAt, {
          sourceIp: connection.sourceIp,
          ...(connection.userAgent !== undefined ? { userAgent: connection.userAgent } : {}),
        }),
        disconnectStatusCode: code,
        disconnectReason: reason,
      },
      isBase64Encoded: false,
    };
    invoke('$disconnect', handler, event).catch((error: unknown) => {
      console.error(`[websocket] $disconnect failed for ${connection.id}:`, error);
    });
  };

  const onMessage = (connection: Connection, data: RawData, isBinary: boolean): void => {
    connection.lastActiveAt = Date.now();
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    const body = isBinary ? buffer.toString('base64') : buffer.toString('utf8');
    const selected = isBinary ? undefined : selectRoute(body);
    const routeKey = selected !== undefined && routes[selected] !== undefined && !selected.startsWith('$') ? selected : '$default';
    const handler = routes[routeKey] ?? routes.$default;
    const requestContext: WebSocketRequestContext = {
      ...baseContext(routeKey, 'MESSAGE', connection.id, connection.connectedAt, {
        sourceIp: connection.sourceIp,
        ...(connection.userAgent !== undefined ? { userAgent: connection.userAgent } : {}),
      }),
      messageId: requestId(),
    };
    const event: WebSocketEvent = { requestContext, body, isBase64Encoded: isBinary };
    invoke(routeKey, handler, event).then(
      (result) => {
        if (result && typeof result.body === 'string' && connection.socket.readyState === WebSocket.OPEN) {
          connection.socket.send(result.body, { binary: false });
        }
      },
      (error: unknown) => {
        console.error(`[websocket] route ${routeKey} failed for ${connection.id}:`, error);
        if (connection.socket.readyState === WebSocket.OPEN) {
          connection.socket.send(
            JSON.stringify({
              message: 'Internal server error',
              connectionId: connection.id,
              requestId: requestContext.requestId,
            }),
            { binary: false },
          );
        }
      },
    );
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });

  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, id: string, connectedAt: number): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = {
        id,
        socket: ws,
        connectedAt,
        lastActiveAt: connectedAt,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        ...(req.headers['user-agent'] !== undefined ? { userAgent: req.headers['user-agent'] } : {}),
        gone: false,
        closed: new Promise<void>((resolve) => ws.once('close', () => resolve())),
      };
      connections.set(id, connection);
      ws.on('message', (data, isBinary) => onMessage(connection, data, isBinary));
      ws.on('error', () => undefined); // e.g. 1009 over maxPayload; 'close' follows
      ws.on('close', (code, reason) => runDisconnect(connection, code, reason.toString('utf8')));
      if (closing) ws.close(1001, 'Going away');
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    if (closing) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${domainName}`);
    const id = newConnectionId();
    const connectedAt = Date.now();
    const handler = routes.$connect;
    if (!handler) {
      accept(req, socket, head, id, connectedAt);
      return;
    }
    const query = splitQuery(url);
    const headers = splitHeaders(req);
    const userAgent = req.headers['user-agent'];
    const event: WebSocketEvent = {
      requestContext: baseContext('$connect', 'CONNECT', id, connectedAt, {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        ...(userAgent !== undefined ? { userAgent } : {}),
      }),
      headers: headers.single,
      multiValueHeaders: headers.multi,
      ...(query.single ? { queryStringParameters: query.single } : {}),
      ...(query.multi ? { multiValueQueryStringParameters: query.multi } : {}),
      isBase64Encoded: false,
    };
    invoke('$connect', handler, event).then(
      (result) => {
        if (socket.destroyed) return;
        if (closing) refuseUpgrade(socket, 503, 'Service Unavailable');
        else if (isSuccess(result)) accept(req, socket, head, id, connectedAt);
        else {
          const status = result?.statusCode ?? 500;
          refuseUpgrade(socket, status >= 400 ? status : 500, status === 401 ? 'Unauthorized' : 'Forbidden');
        }
      },
      (error: unknown) => {
        console.error(`[websocket] $connect failed:`, error);
        if (!socket.destroyed) refuseUpgrade(socket, 500, 'Internal server error');
      },
    );
  };

  const onManagement = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', `http://${domainName}`);
    const match = /^\/([^/]+)\/@connections\/([^/]+)$/.exec(url.pathname);
    if (!match || decodeURIComponent(match[1] as string) !== stage) {
      sendError(res, 403, 'ForbiddenException', 'Forbidden');
      req.resume();
      return;
    }
    const connection = connections.get(decodeURIComponent(match[2] as string));
    const alive = connection !== undefined && !connection.gone && connection.socket.readyState === WebSocket.OPEN;

    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxMessageBytes) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > maxMessageBytes) {
          sendError(res, 413, 'PayloadTooLargeException', `Request entity too large: max ${maxMessageBytes} bytes`);
        } else if (!connection || connection.gone || connection.socket.readyState !== WebSocket.OPEN) {
          sendError(res, 410, 'GoneException', 'Gone');
        } else {
          connection.socket.send(Buffer.concat(chunks), { binary: false });
          res.writeHead(200, { 'content-length': 0, 'x-amzn-requestid': randomUUID() }).end();
        }
      });
      return;
    }
    req.resume();
    if (!alive) {
      sendError(res, 410, 'GoneException', 'Gone');
    } else if (req.method === 'GET') {
      const body = JSON.stringify({
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent ?? '' },
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (req.method === 'DELETE') {
      connection.socket.close(1000, 'Going away');
      // The connection is gone now (API Gateway answers 410 from here on); $disconnect runs once.
      runDisconnect(connection, 1000, 'Going away');
      const timer = setTimeout(() => connection.socket.terminate(), 1000);
      timer.unref();
      void connection.closed.then(() => clearTimeout(timer));
      res.writeHead(204, { 'x-amzn-requestid': randomUUID() }).end();
    } else {
      sendError(res, 403, 'ForbiddenException', 'Forbidden');
    }
  };

  const server = createServer(onManagement);
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  domainName = authority;

  return {
    url: `ws://${authority}`,
    managementEndpoint: `http://${authority}/${stage}`,
    connections: () => [...connections.keys()],
    postToConnection: (connectionId, data) => {
      const size = Buffer.byteLength(data);
      if (size > maxMessageBytes) throw new Error(`PayloadTooLargeException: ${size} bytes is over the ${maxMessageBytes}-byte limit`);
      const connection = connections.get(connectionId);
      if (!connection || connection.gone || connection.socket.readyState !== WebSocket.OPEN) return 'gone';
      connection.socket.send(data, { binary: false });
      return 'sent';
    },
    close: async () => {
      closing = true;
      const sockets = [...wss.clients];
      for (const ws of sockets) ws.close(1001, 'Going away');
      const timer = setTimeout(() => sockets.forEach((ws) => ws.terminate()), 1000);
      await Promise.all(sockets.map((ws) => (ws.readyState === WebSocket.CLOSED ? undefined : new Promise((r) => ws.once('close', r)))));
      clearTimeout(timer);
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      wss.close();
    },
  };
}
