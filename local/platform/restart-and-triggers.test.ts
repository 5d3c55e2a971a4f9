/**
 * The local platform across a restart (data in a folder), and every trigger kind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ExecutionRecord } from '../../functions/_shared/data';
import { S3_CREDENTIALS, startPlatform, type Platform } from './index';
import { api, contiguous, example, WsClient } from './test-support';
import { signWebhook, TriggerManager } from './triggers';
import { tenNodeWorkflow } from './load';
import type { LifecycleEvent } from '@shared/events';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the fan-out thread dying mid-run', () => {
  it('is restarted with what it had not done: every watcher still gets every event, in order, none missing', async () => {
    const lines: string[] = [];
    const platform = await startPlatform({ memory: true, log: (l) => lines.push(l) });
    try {
      const token = await platform.devToken({ tenantId: 'acme' });
      const client = api(platform, token);
      await client.publish('ten', tenNodeWorkflow('ten'));
      const watchers = await Promise.all(Array.from({ length: 5 }, () => WsClient.connect(`${platform.wsUrl}?token=${token}`)));
      const runs = await Promise.all(
        watchers.map(async (ws, i) => {
          const id = await client.execute('ten', { n: i });
          ws.send({ type: 'subscribe', execution_id: id });
          return id;
        }),
      );
      // Killed once the first run is under way (some events stored and posted, others not yet).
      await watchers[0]?.waitFor((m) => 'seq' in m && (m as { seq: number }).seq >= 3);
      await platform.parts.fanOut.kill();
      await Promise.all(watchers.map((ws, i) => ws.waitFor((m) => m.type === 'execution_completed' && m.execution_id === runs[i], 30_000)));
      await platform.settle();
      for (const [i, ws] of watchers.entries()) {
        const id = runs[i] as string;
        // A replayed message may post an event twice (the same seq): clients keep the first.
        const bySeq = new Map<number, LifecycleEvent>();
        for (const e of ws.events(id)) if (!bySeq.has(e.seq as number)) bySeq.set(e.seq as number, e);
        const received = [...bySeq.values()];
        expect(contiguous(received)).toBe(22);
        const stored = await platform.parts.eventLog.read('acme', id, { afterSeq: 0 });
        expect(stored.items.map((x) => x.event.event_id)).toEqual(received.map((e) => e.event_id));
      }
      expect(lines.join('\n')).toMatch(/fan-out thread stopped .* restarting it/);
      await Promise.all(watchers.map((ws) => ws.close()));
    } finally {
      await platform.close();
    }
  });
});

describe('restarting the local platform', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'stepflow-restart-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps workflows, versions, executions and event logs; a run cut off mid-way ends ABORTED with a clear reason', async () => {
    let platform: Platform = await startPlatform({ dataDir, waitMs: 20 });
    let token = await platform.devToken({ tenantId: 'acme' });
    let client = api(platform, token);
    await client.publish('triage', example('support-ticket-triage').workflow);
    const done = await client.execute('triage', example('support-ticket-triage').input);
    // A run that waits for a person: still RUNNING when the platform stops.
    const waiting = await client.execute('triage', example('support-ticket-triage').input);
    await until('the input request', async () => {
      const r = await client.call<{ inputRequests: unknown[] }>('GET', `/executions/${encodeURIComponent(waiting)}`);
      return r.body.inputRequests.length > 0 ? true : undefined;
    });
    await platform.settle();
    const logBefore = await platform.parts.eventLog.read('acme', waiting, { afterSeq: 0 });
    expect(logBefore.items.length).toBeGreaterThan(2);
    await platform.close();

    platform = await startPlatform({ dataDir, waitMs: 20 });
    try {
      // The development key persisted: the old token still works.
      client = api(platform, token);
      const wf = await client.call<{ revision: number }>('GET', '/workflows/triage');
      expect(wf.status).toBe(200);
      const versions = await client.call<{ items: unknown[] }>('GET', '/workflows/triage/versions');
      expect(versions.body.items).toHaveLength(1);
      await platform.settle();
      const interrupted = await client.call<ExecutionRecord>('GET', `/executions/${encodeURIComponent(waiting)}`);
      expect(interrupted.body).toMatchObject({ status: 'ABORTED', error: { name: 'Stepflow.PlatformRestarted' } });
      // Its log kept every event and gained the ending, numbered on.
      const logAfter = await platform.parts.eventLog.read('acme', waiting, { afterSeq: 0 });
      expect(logAfter.items.slice(0, logBefore.items.length)).toEqual(logBefore.items);
      expect(logAfter.items.at(-1)?.event).toMatchObject({ type: 'execution_completed', status: 'ABORTED' });
      expect((await client.call('GET', `/executions/${encodeURIComponent(done)}`)).status).toBe(200);
      // A watcher of the old run gets its whole history.
      token = await platform.devToken({ tenantId: 'acme' });
      const ws = await WsClient.connect(`${platform.wsUrl}?token=${token}`);
      ws.send({ type: 'subscribe', execution_id: waiting });
      await ws.waitFor((m) => m.type === 'subscribed');
      expect(contiguous(ws.events(waiting))).toBe(logAfter.items.length);
      await ws.close();
      // The published version still runs after the restart.
      const again = await client.execute('triage', example('support-ticket-triage').input);
      expect(again).toMatch(/^arn:aws:states:local:/);
    } finally {
      await platform.close();
    }
  });

  it('keeps the data of a folder written with dynalite (before local/dynamodb): moved once into the journal', async () => {
    const oldDir = await mkdtemp(path.join(tmpdir(), 'stepflow-upgrade-'));
    try {
      let platform = await startPlatform({ dataDir: oldDir, dynamo: 'dynalite' });
      const token = await platform.devToken({ tenantId: 'acme' });
      await api(platform, token).publish('triage', example('support-ticket-triage').workflow);
      const run = await api(platform, token).execute('triage', example('support-ticket-triage').input);
      await platform.settle();
      const log = (await platform.parts.eventLog.read('acme', run, { afterSeq: 0 })).items;
      await platform.close();

      const lines: string[] = [];
      platform = await startPlatform({ dataDir: oldDir, log: (l) => lines.push(l) });
      try {
        expect(lines.join('\n')).toMatch(/moved \d+ DynamoDB item\(s\) .* into .*dynamodb\.jsonl/);
        const client = api(platform, token);
        expect((await client.call('GET', '/workflows/triage')).status).toBe(200);
        // Every event stored before the upgrade, as it was (the run may have gone on before the stop).
        const after = (await platform.parts.eventLog.read('acme', run, { afterSeq: 0 })).items;
        expect(log.length).toBeGreaterThan(2);
        expect(after.slice(0, log.length)).toEqual(log);
      } finally {
        await platform.close();
      }
      // Moved once: the next start reads the journal.
      lines.length = 0;
      platform = await startPlatform({ dataDir: oldDir, log: (l) => lines.push(l) });
      await platform.close();
      expect(lines.join('\n')).not.toMatch(/moved/);
    } finally {
      await rm(oldDir, { recursive: true, force: true });
    }
  });
});

describe('triggers', () => {
  let platform: Platform;
  const tenant = 'local';
  const echo = (id: string, triggers: unknown[]) => ({
    schemaVersion: 1,
    metadata: { id, name: `trigger ${id}` },
    settings: { type: 'STANDARD', triggers },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} },
      { id: 'end', type: 'end', position: { x: 0, y: 100 }, config: {} },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'end' }],
  });
  const runsOf = async (client: ReturnType<typeof api>, id: string) => (await client.call<{ items: ExecutionRecord[] }>('GET', `/executions?workflowId=${id}`)).body.items ?? [];

  beforeAll(async () => {
    platform = await startPlatform({ memory: true, scheduleScale: 0.001 });
  });
  afterAll(() => platform.close());

  it('a signed webhook starts a run with its body as input; a bad signature or body is refused', async () => {
    const client = api(platform, await platform.devToken());
    await client.publish('hooked', echo('hooked', [{ kind: 'webhook' }]));
    const secret = platform.hookSecret(tenant, 'hooked') as string;
    expect(secret).toBeDefined();
    const hookId = TriggerManager.hookId(tenant, 'hooked');
    const body = JSON.stringify({ order: 42 });
    const post = (b: string, signature?: string) => fetch(`${platform.url}/hooks/${hookId}`, { method: 'POST', body: b, headers: signature ? { 'x-stepflow-signature': signature } : {} });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, signWebhook('wrong', body))).status).toBe(401);
    expect((await post('[1]', signWebhook(secret, '[1]'))).status).toBe(400);
    expect((await fetch(`${platform.url}/hooks/hnothing`, { method: 'POST', body })).status).toBe(404);
    const ok = await post(body, signWebhook(secret, body));
    expect(ok.status).toBe(202);
    const { executionId } = (await ok.json()) as { executionId: string };
    const run = await until('the webhook run', async () => {
      const r = await client.call<ExecutionRecord>('GET', `/executions/${encodeURIComponent(executionId)}`);
      return r.body.status === 'SUCCEEDED' ? r.body : undefined;
    });
    expect(run.input).toEqual({ order: 42 });
  });

  it('an object landing under the prefix starts a run; elsewhere it does not', async () => {
    const client = api(platform, await platform.devToken());
    await client.publish('on-upload', echo('on-upload', [{ kind: 's3', bucket: 'uploads', prefix: 'incoming/' }]));
    const s3 = new S3Client({ region: 'us-east-1', credentials: S3_CREDENTIALS, endpoint: platform.s3Url, forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'other/x.txt', Body: 'no' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'incoming/report.csv', Body: 'a,b\n1,2\n' }));
    s3.destroy();
    const runs = await until('the upload run', async () => {
      const r = await runsOf(client, 'on-upload');
      return r.length > 0 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await runsOf(client, 'on-upload')).toHaveLength(1);
    expect(runs[0]?.input).toMatchObject({ bucket: 'uploads', key: 'incoming/report.csv', size: 8 });
  });

  it('an event matching the pattern, put through the EventBridge API, starts a run', async () => {
    const client = api(platform, await platform.devToken());
    await client.publish('on-order', echo('on-order', [{ kind: 'eventbridge', pattern: { source: ['shop'], detail: { total: [{ numeric: ['>', 100] }] } } }]));
    const events = new EventBridgeClient({ ...LOCAL, endpoint: platform.eventsUrl });
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'stepflow', Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ total: 50 }) },
          { EventBusName: 'stepflow', Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ total: 500 }) },
        ],
      }),
    );
    events.destroy();
    expect(put.FailedEntryCount).toBe(0);
    const runs = await until('the event run', async () => {
      const r = await runsOf(client, 'on-order');
      return r.length > 0 ? r : undefined;
    });
    await platform.settle();
    expect(await runsOf(client, 'on-order')).toHaveLength(1);
    expect(runs[0]?.input).toMatchObject({ source: 'shop', 'detail-type': 'Order', detail: { total: 500 } });
  });

  it('a schedule starts runs on its rate (time scaled for the test)', async () => {
    const client = api(platform, await platform.devToken());
    // rate(1 minute) at scale 0.001: every 60 ms.
    await client.publish('ticker', echo('ticker', [{ kind: 'schedule', expression: 'rate(1 minute)', input: { channel: '#ops' } }]));
    const runs = await until('two scheduled runs', async () => {
      const r = await runsOf(client, 'ticker');
      return r.length >= 2 ? r : undefined;
    });
    // The trigger's fixed input, and the time it was due.
    expect(runs[0]?.input).toMatchObject({ channel: '#ops', scheduledTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // Re-publishing without the trigger stops it.
    await client.call('PUT', '/workflows/ticker', { revision: 1, workflow: echo('ticker', []) });
    await client.call('POST', '/workflows/ticker/publish', {});
    await platform.settle();
    const count = (await runsOf(client, 'ticker')).length;
    await new Promise((r) => setTimeout(r, 400));
    expect((await runsOf(client, 'ticker')).length).toBeLessThanOrEqual(count + 1);
  });
});
