import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { WebSocket } from 'ws';
import { startWebSocketGateway, type WebSocketEvent, type WebSocketGateway, type WebSocketRoutes } from './gateway';

const TOKEN = 'secret-token';

interface Recorded {
  connects: WebSocketEvent[];
  disconnects: WebSocketEvent[];
  messages: WebSocketEvent[];
}

function testRoutes(recorded: Recorded): WebSocketRoutes {
  return {
    $connect: async (event) => {
      recorded.connects.push(event);
      if (event.queryStringParameters?.token === 'boom') throw new Error('authorizer crashed');
      return event.queryStringParameters?.token === TOKEN ? { statusCode: 200 } : { statusCode: 401 };
    },
    $disconnect: async (event) => {
      recorded.disconnects.push(event);
    },
    $default: async (event) => {
      recorded.messages.push(event);
      if (event.body === 'throw') throw new Error('handler failed');
      return { statusCode: 200, body: JSON.stringify({ route: '$default', echo: event.body }) };
    },
    subscribe: async (event) => {
      recorded.messages.push(event);
      return { statusCode: 200, body: JSON.stringify({ route: 'subscribe', connectionId: event.requestContext.connectionId }) };
    },
    silent: async (event) => {
      recorded.messages.push(event);
    },
  };
}

/** A client that queues every text frame it receives. */
class Client {
  readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      this.frames.push(String(data));
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  async next(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame received');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift() as string;
  }

  async json(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.next()) as Record<string, unknown>;
  }
}

function open(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local API Gateway WebSocket', () => {
  let gateway: WebSocketGateway;
  let recorded: Recorded;
  let management: ApiGatewayManagementApiClient;
  const clients: Client[] = [];

  const connect = async (query = `?token=${TOKEN}`, headers: Record<string, string> = {}): Promise<Client> => {
    const client = await open(`${gateway.url}/${query}`, headers);
    clients.push(client);
    return client;
  };
  const connectionIdOf = async (client: Client): Promise<string> => {
    client.ws.send(JSON.stringify({ action: 'subscribe' }));
    const reply = await client.json();
    return reply.connectionId as string;
  };

  beforeEach(async () => {
    recorded = { connects: [], disconnects: [], messages: [] };
    gateway = await startWebSocketGateway({ host: '127.0.0.1', port: 0, stage: 'local', routes: testRoutes(recorded) });
    management = new ApiGatewayManagementApiClient({
      endpoint: gateway.managementEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    management.destroy();
    await gateway.close();
  });

  it('listens on 127.0.0.1 with the management endpoint under the stage', () => {
    expect(gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.managementEndpoint).toBe(`${gateway.url.replace('ws:', 'http:')}/local`);
  });

  it('$connect sees the query string, headers and the CONNECT request context', async () => {
    await connect(`?token=${TOKEN}&lang=en`, { 'X-Client': 'editor' });
    expect(recorded.connects).toHaveLength(1);
    const event = recorded.connects[0] as WebSocketEvent;
    expect(event.queryStringParameters).toEqual({ token: TOKEN, lang: 'en' });
    expect(event.headers?.['X-Client']).toBe('editor');
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'local',
      domainName: gateway.url.slice('ws://'.length),
    });
    expect(event.requestContext.connectionId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(event.requestContext.messageId).toBeUndefined();
    expect(gateway.connections()).toEqual([event.requestContext.connectionId]);
  });

  it('$connect refusing (non-2xx or throwing) fails the upgrade and opens no connection', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(open(`${gateway.url}/?token=wrong`)).rejects.toThrow('HTTP 401');
    await expect(open(gateway.url)).rejects.toThrow('HTTP 401');
    await expect(open(`${gateway.url}/?token=boom`)).rejects.toThrow('HTTP 500');
    expect(recorded.connects).toHaveLength(3);
    expect(gateway.connections()).toEqual([]);
    expect(recorded.disconnects).toHaveLength(0);
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('routes by the body action, falls back to $default, and sends returned bodies back', async () => {
    const client = await connect();
    client.ws.send(JSON.stringify({ action: 'subscribe', executionId: 'e1' }));
    expect(await client.json()).toMatchObject({ route: 'subscribe' });
    client.ws.send(JSON.stringify({ action: 'unknown-route' }));
    expect(await client.json()).toMatchObject({ route: '$default' });
    client.ws.send('not json');
    expect(await client.json()).toEqual({ route: '$default', echo: 'not json' });
    client.ws.send(JSON.stringify({ action: '$disconnect' }));
    expect(await client.json()).toMatchObject({ route: '$default' });

    const keys = recorded.messages.map((e) => e.requestContext.routeKey);
    expect(keys).toEqual(['subscribe', '$default', '$default', '$default']);
    const first = recorded.messages[0] as WebSocketEvent;
    expect(first.requestContext.eventType).toBe('MESSAGE');
    expect(typeof first.requestContext.messageId).toBe('string');
    expect(first.body).toBe(JSON.stringify({ action: 'subscribe', executionId: 'e1' }));
    expect(first.isBase64Encoded).toBe(false);
    expect(recorded.disconnects).toHaveLength(0);
  });

  it('uses a custom route selection expression', async () => {
    const seen: string[] = [];
    const custom = await startWebSocketGateway({
      routeSelection: (body) => body.split(':')[0],
      routes: {
        $default: async () => ({ body: 'default' }),
        ping: async (event) => {
          seen.push(event.requestContext.routeKey);
          return { body: 'pong' };
        },
      },
    });
    try {
      const client = await open(custom.url);
      client.ws.send('ping:1');
      expect(await client.next()).toBe('pong');
      client.ws.send(JSON.stringify({ action: 'ping' }));
      expect(await client.next()).toBe('default');
      expect(seen).toEqual(['ping']);
      client.ws.terminate();
    } finally {
      await custom.close();
    }
  });

  it('a route returning no body sends nothing back', async () => {
    const client = await connect();
    client.ws.send(JSON.stringify({ action: 'silent' }));
    client.ws.send('after');
    expect(await client.json()).toEqual({ route: '$default', echo: 'after' });
    expect(recorded.messages.map((e) => e.requestContext.routeKey)).toEqual(['silent', '$default']);
  });

  it('a throwing handler gets the client an Internal server error frame; the connection stays usable', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const client = await connect();
      client.ws.send('throw');
      const frame = await client.json();
      expect(frame.message).toBe('Internal server error');
      client.ws.send('still here');
      expect(await client.json()).toEqual({ route: '$default', echo: 'still here' });
      expect(gateway.connections()).toHaveLength(1);
      expect(errors).toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('PostToConnection delivers the raw body to that client as a text frame', async () => {
    const a = await connect();
    const b = await connect();
    const idA = await connectionIdOf(a);
    const idB = await connectionIdOf(b);
    expect(idA).not.toBe(idB);
    await management.send(new PostToConnectionCommand({ ConnectionId: idB, Data: Buffer.from('{"type":"node-started"}') }));
    expect(await b.next()).toBe('{"type":"node-started"}');
    await management.send(new PostToConnectionCommand({ ConnectionId: idA, Data: 'for a' }));
    expect(await a.next()).toBe('for a');
    expect(a.frames).toEqual([]);
    expect(b.frames).toEqual([]);
  });

  it('postToConnection (in process) has the same outcomes as the endpoint: sent, gone, too large', async () => {
    const client = await connect();
    const id = await connectionIdOf(client);
    expect(gateway.postToConnection(id, '{"type":"pong"}')).toBe('sent');
    expect(await client.next()).toBe('{"type":"pong"}');
    expect(gateway.postToConnection('AAAAAAAAAAAAAAA=', 'x')).toBe('gone');
    expect(() => gateway.postToConnection(id, 'x'.repeat(129 * 1024))).toThrow(/PayloadTooLarge/);
    client.ws.close();
    await until(() => !gateway.connections().includes(id));
    expect(gateway.postToConnection(id, 'x')).toBe('gone');
  });

  it('GetConnection describes the connection', async () => {
    const before = Date.now();
    const client = await connect('?token=' + TOKEN, { 'User-Agent': 'stepflow-editor/1.0' });
    const id = await connectionIdOf(client);
    const out = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(out.ConnectedAt).toBeInstanceOf(Date);
    expect(out.ConnectedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(out.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(out.ConnectedAt?.getTime() ?? Infinity);
    expect(out.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'stepflow-editor/1.0' });
  });

  it('DeleteConnection closes the socket and runs $disconnect once; the id is gone afterwards', async () => {
    const client = await connect();
    const id = await connectionIdOf(client);
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    await client.closed;
    await until(() => recorded.disconnects.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(recorded.disconnects).toHaveLength(1);
    const event = recorded.disconnects[0] as WebSocketEvent;
    expect(event.requestContext).toMatchObject({ routeKey: '$disconnect', eventType: 'DISCONNECT', connectionId: id });
    expect(gateway.connections()).toEqual([]);
    await expect(management.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
    await expect(management.send(new DeleteConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
  });

  it('the client going away runs $disconnect once with its close code', async () => {
    const client = await connect();
    const id = await connectionIdOf(client);
    client.ws.close(4000, 'bye');
    await until(() => recorded.disconnects.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(recorded.disconnects).toHaveLength(1);
    expect(recorded.disconnects[0]?.requestContext).toMatchObject({ connectionId: id, disconnectStatusCode: 4000 });
    expect(gateway.connections()).toEqual([]);
  });

  it('posting to an unknown or closed connection is GoneException (410)', async () => {
    const unknown = management.send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }));
    await expect(unknown).rejects.toBeInstanceOf(GoneException);
    await expect(unknown).rejects.toMatchObject({ $metadata: { httpStatusCode: 410 } });

    const client = await connect();
    const id = await connectionIdOf(client);
    client.ws.close();
    await until(() => !gateway.connections().includes(id));
    await expect(management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }))).rejects.toBeInstanceOf(
      GoneException,
    );
  });

  it('refuses oversized messages: PostToConnection is 413, a client message closes with 1009', async () => {
    const client = await connect();
    const id = await connectionIdOf(client);
    const limit = 128 * 1024;
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.alloc(limit + 1, 97) })),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);
    // exactly the limit is fine
    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.alloc(limit, 98) }));
    expect((await client.next()).length).toBe(limit);

    client.ws.send('x'.repeat(limit + 1));
    expect((await client.closed).code).toBe(1009);
    await until(() => recorded.disconnects.length === 1);
    expect(recorded.messages.some((e) => (e.body ?? '').length > limit)).toBe(false);
  });

  it('50 clients each receive only their own messages', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, () => connect()));
    const ids = await Promise.all(all.map((c) => connectionIdOf(c)));
    expect(new Set(ids).size).toBe(50);
    expect(new Set(gateway.connections())).toEqual(new Set(ids));
    await Promise.all(
      ids.map((id, i) => management.send(new PostToConnectionCommand({ ConnectionId: id, Data: `msg-${i}` }))),
    );
    const got = await Promise.all(all.map((c) => c.next()));
    expect(got).toEqual(ids.map((_, i) => `msg-${i}`));
    await new Promise((r) => setTimeout(r, 50));
    expect(all.every((c) => c.frames.length === 0)).toBe(true);
  });

  it('close() closes every socket, runs $disconnect for each and stops listening', async () => {
    const a = await connect();
    const b = await connect();
    await gateway.close();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(recorded.disconnects).toHaveLength(2);
    expect(gateway.connections()).toEqual([]);
    await expect(open(`${gateway.url}/?token=${TOKEN}`)).rejects.toThrow();
    // afterEach closes again: close() must be idempotent
  });
});
