import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ValidationError } from '@shared/errors';
import { LocalEventBus, MAX_ENTRY_BYTES, type DeliveryFailure, type EventBridgeEvent } from './bus';

function recorder(): { target: (event: EventBridgeEvent) => Promise<void>; events: EventBridgeEvent[] } {
  const events: EventBridgeEvent[] = [];
  return { events, target: async (event) => void events.push(event) };
}

const entry = (detail: Record<string, unknown>, detailType = 'NodeFailed') => ({
  Source: 'stepflow.engine',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

describe('LocalEventBus rules and delivery', () => {
  it('delivers the EventBridge envelope to every target of every matching rule, after PutEvents answers', async () => {
    const bus = new LocalEventBus({ account: '111122223333', region: 'eu-west-1' });
    const a = recorder();
    const b = recorder();
    const c = recorder();
    bus.putRule({ name: 'failures', pattern: { 'detail-type': ['NodeFailed'] }, targets: [a.target, b.target] });
    bus.putRule({ name: 'costly', pattern: { detail: { cost: [{ numeric: ['>', 1] }] } }, targets: [c.target] });

    const result = await bus.putEvents([
      { ...entry({ nodeId: 'n1', cost: 2 }), Time: new Date('2024-03-05T10:20:30.123Z'), Resources: ['arn:x'] },
    ]);
    expect(a.events).toHaveLength(0); // asynchronous: nothing delivered yet
    await bus.drain();

    expect(result.FailedEntryCount).toBe(0);
    const first = result.Entries[0];
    expect(first !== undefined && 'EventId' in first).toBe(true);
    const expected: EventBridgeEvent = {
      version: '0',
      id: first !== undefined && 'EventId' in first ? first.EventId : 'missing',
      'detail-type': 'NodeFailed',
      source: 'stepflow.engine',
      account: '111122223333',
      time: '2024-03-05T10:20:30Z',
      region: 'eu-west-1',
      resources: ['arn:x'],
      detail: { nodeId: 'n1', cost: 2 },
    };
    expect(a.events).toStrictEqual([expected]);
    expect(b.events).toStrictEqual([expected]);
    expect(c.events).toStrictEqual([expected]);
  });

  it('does not deliver events no rule matches, nor to removed rules', async () => {
    const bus = new LocalEventBus();
    const kept = recorder();
    const removed = recorder();
    bus.putRule({ name: 'kept', pattern: { source: ['other.source'] }, targets: [kept.target] });
    bus.putRule({ name: 'removed', pattern: { source: ['stepflow.engine'] }, targets: [removed.target] });

    expect(bus.removeRule('removed')).toBe(true);
    expect(bus.removeRule('removed')).toBe(false);
    await bus.putEvents([entry({})]);
    await bus.drain();

    expect(kept.events).toHaveLength(0);
    expect(removed.events).toHaveLength(0);
  });

  it('replaces a rule put again under the same name', async () => {
    const bus = new LocalEventBus();
    const old = recorder();
    const current = recorder();
    bus.putRule({ name: 'r', pattern: { source: ['stepflow.engine'] }, targets: [old.target] });
    bus.putRule({ name: 'r', pattern: { source: ['stepflow.engine'] }, targets: [current.target] });

    await bus.putEvents([entry({})]);
    await bus.drain();

    expect(old.events).toHaveLength(0);
    expect(current.events).toHaveLength(1);
  });

  it('rejects a malformed pattern with a 400 ValidationError naming every problem', () => {
    const bus = new LocalEventBus();
    let caught: unknown;
    try {
      bus.putRule({ name: 'bad', pattern: { source: 'x', detail: { n: [{ exists: 'yes' }] } }, targets: [] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.status).toBe(400);
    expect(error.details.map((d) => d.message)).toEqual([
      expect.stringMatching(/^source: match values must be inside an array/),
      expect.stringMatching(/^detail\.n\[0\]\.exists: must be true or false/),
    ]);
    expect(() => bus.putRule({ name: 'bad name!', pattern: { source: ['x'] }, targets: [] })).toThrow(
      /Rule name "bad name!" is not valid/,
    );
  });

  it('retries a failing target with backoff, reports it, and never disturbs other targets', async () => {
    const failures: DeliveryFailure[] = [];
    const bus = new LocalEventBus({ maxAttempts: 3, baseDelayMs: 5, onDeliveryFailure: (f) => failures.push(f) });
    const healthy = recorder();
    const attemptTimes: number[] = [];
    const broken = async (): Promise<void> => {
      attemptTimes.push(Date.now());
      throw new Error('target down');
    };
    let flakyCalls = 0;
    const flaky = recorder();
    const flakyTarget = async (event: EventBridgeEvent): Promise<void> => {
      flakyCalls++;
      if (flakyCalls === 1) throw new Error('blip');
      await flaky.target(event);
    };
    bus.putRule({ name: 'all', pattern: { source: ['stepflow.engine'] }, targets: [broken, healthy.target, flakyTarget] });

    const result = await bus.putEvents([entry({ n: 1 })]);
    await bus.drain();

    expect(result.FailedEntryCount).toBe(0);
    expect(healthy.events).toHaveLength(1);
    expect(flaky.events).toHaveLength(1);
    expect(flakyCalls).toBe(2);
    expect(attemptTimes).toHaveLength(3);
    const [t0 = 0, t1 = 0, t2 = 0] = attemptTimes;
    // Exponential backoff: waits of at least 5 ms then 10 ms (1 ms slack for timer rounding).
    expect(t1 - t0).toBeGreaterThanOrEqual(4);
    expect(t2 - t1).toBeGreaterThanOrEqual(9);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ ruleName: 'all', targetIndex: 0, attempts: 3 });
    expect((failures[0]?.error as Error).message).toBe('target down');
  });

  it('survives a failure hook that throws', async () => {
    const bus = new LocalEventBus({
      maxAttempts: 1,
      onDeliveryFailure: () => {
        throw new Error('hook broke');
      },
    });
    const healthy = recorder();
    bus.putRule({ name: 'r', pattern: { source: ['stepflow.engine'] }, targets: [() => Promise.reject(new Error('x'))] });
    bus.putRule({ name: 'r2', pattern: { source: ['stepflow.engine'] }, targets: [healthy.target] });

    await bus.putEvents([entry({})]);
    await bus.drain();

    expect(healthy.events).toHaveLength(1);
  });
});

describe('LocalEventBus.putEvents entry validation', () => {
  it('fails bad entries one by one and accepts the good ones', async () => {
    const bus = new LocalEventBus({ name: 'stepflow' });
    const seen = recorder();
    bus.putRule({ name: 'any', pattern: { source: [{ exists: true }] }, targets: [seen.target] });

    const result = await bus.putEvents([
      entry({ ok: 1 }),
      { DetailType: 'T', Detail: '{}' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'T', Detail: 'not json' },
      { Source: 's', DetailType: 'T', Detail: '[1,2]' },
      { Source: 's', DetailType: 'T' },
      { Source: 's', DetailType: 'T', Detail: JSON.stringify({ blob: 'x'.repeat(MAX_ENTRY_BYTES) }) },
      { Source: 's', DetailType: 'T', Detail: '{}', EventBusName: 'someone-else' },
      { Source: 's', DetailType: 'T', Detail: '{}', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/stepflow' },
    ]);
    await bus.drain();

    expect(result.FailedEntryCount).toBe(7);
    const codes = result.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'));
    expect(codes).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument',
      'ResourceNotFoundException',
      'ok',
    ]);
    const messages = result.Entries.map((e) => ('ErrorMessage' in e ? e.ErrorMessage : ''));
    expect(messages[1]).toMatch(/Source is a required argument/);
    expect(messages[2]).toMatch(/DetailType is a required argument/);
    expect(messages[5]).toMatch(/Detail is a required argument/);
    expect(messages[6]).toMatch(/limit is 262144 bytes/);
    expect(seen.events).toHaveLength(2);
  });

  it('rejects calls with no entries or more than 10', async () => {
    const bus = new LocalEventBus();
    await expect(bus.putEvents([])).rejects.toThrow(ValidationError);
    await expect(bus.putEvents(Array.from({ length: 11 }, () => entry({})))).rejects.toThrow(
      /between 1 and 10 entries per call, received 11 entries/,
    );
    await expect(bus.putEvents(Array.from({ length: 10 }, () => entry({})))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
  });
});

describe('LocalEventBus over HTTP with the real @aws-sdk/client-eventbridge', () => {
  const failures: DeliveryFailure[] = [];
  const bus = new LocalEventBus({ region: 'eu-west-1', onDeliveryFailure: (f) => failures.push(f) });
  const seen = recorder();
  const requests: { target: string | undefined; contentType: string | undefined; method: string | undefined }[] = [];
  let server: http.Server;
  let client: EventBridgeClient;

  beforeAll(async () => {
    bus.putRule({ name: 'failed', pattern: { detail: { status: ['FAILED'] } }, targets: [seen.target] });
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({
          target: req.headers['x-amz-target'] as string | undefined,
          contentType: req.headers['content-type'],
          method: req.method,
        });
        bus
          .handlePutEventsHttp(Buffer.concat(chunks).toString('utf8'), req.headers)
          .then((out) => res.writeHead(out.statusCode, out.headers).end(out.body))
          .catch(() => res.writeHead(500).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new EventBridgeClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  it('speaks the PutEvents wire format, with per-entry failures and delivery', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'stepflow.engine', DetailType: 'NodeFinished', Detail: '{"status":"FAILED"}', Time: new Date('2024-01-02T03:04:05Z') },
          { Source: 'stepflow.engine', DetailType: 'NodeFinished', Detail: 'oops' },
        ],
      }),
    );
    await bus.drain();

    expect(requests.at(-1)).toEqual({
      target: 'AWSEvents.PutEvents',
      contentType: 'application/x-amz-json-1.1',
      method: 'POST',
    });
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(seen.events).toHaveLength(1);
    expect(seen.events[0]).toMatchObject({ time: '2024-01-02T03:04:05Z', region: 'eu-west-1', detail: { status: 'FAILED' } });
    expect(failures).toHaveLength(0);
  });

  it('surfaces a call-level error as a typed SDK exception', async () => {
    const entries = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'T', Detail: '{}' }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/between 1 and 10 entries/),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('rejects other operations and content types', async () => {
    const wrongTarget = await bus.handlePutEventsHttp('{}', {
      'X-Amz-Target': 'AWSEvents.PutRule',
      'Content-Type': 'application/x-amz-json-1.1',
    });
    expect(wrongTarget.statusCode).toBe(400);
    expect(JSON.parse(wrongTarget.body)).toMatchObject({ __type: 'UnknownOperationException' });

    const wrongType = await bus.handlePutEventsHttp('{}', {
      'x-amz-target': 'AWSEvents.PutEvents',
      'content-type': 'text/plain',
    });
    expect(JSON.parse(wrongType.body)).toMatchObject({ __type: 'ValidationException' });

    const badJson = await bus.handlePutEventsHttp('{', {
      'x-amz-target': 'AWSEvents.PutEvents',
      'content-type': 'application/x-amz-json-1.1',
    });
    expect(JSON.parse(badJson.body)).toMatchObject({ __type: 'SerializationException' });
  });
});
