import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '@shared/errors';
import type { LifecycleEvent } from '@shared/events';
import { startDynamo, type LocalDynamo } from '../test-support/dynamo';
import { ExecutionEventLog } from './event-log';
import { keys } from './keys';

let dynamo: LocalDynamo;
let log: ExecutionEventLog;
beforeAll(async () => {
  dynamo = await startDynamo();
  log = new ExecutionEventLog(dynamo.doc, dynamo.tableName);
});
afterAll(async () => {
  await dynamo.stop();
});

const event = (executionId: string, eventId: string): LifecycleEvent => ({ type: 'log', event_id: eventId, execution_id: executionId, timestamp: '2026-01-01T00:00:00.000Z', level: 'info', message: eventId });

async function readAll(tenantId: string, executionId: string) {
  const out: Array<{ seq: number; eventId: string }> = [];
  let after = 0;
  for (;;) {
    const page = await log.read(tenantId, executionId, { afterSeq: after, limit: 200 });
    out.push(...page.items.map((i) => ({ seq: i.seq, eventId: i.eventId })));
    if (!page.more) return out;
    after = page.lastSeq;
  }
}

describe('execution event log', () => {
  it('numbers events 1, 2, 3 and reads after a seq, in order, in pages', async () => {
    for (let i = 1; i <= 5; i++) expect(await log.append('t1', event('ex-seq', `e${i}`))).toEqual({ seq: i, duplicate: false });
    const first = await log.read('t1', 'ex-seq', { limit: 2 });
    expect(first.items.map((i) => i.seq)).toEqual([1, 2]);
    expect(first.items[0]?.event).toMatchObject({ event_id: 'e1', seq: 1 });
    expect(first.more).toBe(true);
    const rest = await log.read('t1', 'ex-seq', { afterSeq: first.lastSeq });
    expect(rest.items.map((i) => i.eventId)).toEqual(['e3', 'e4', 'e5']);
    expect(rest.lastSeq).toBe(5);
    expect(await log.read('t1', 'ex-seq', { afterSeq: 5 })).toEqual({ items: [], lastSeq: 5, more: false });
    expect(await log.lastSeq('t1', 'ex-seq')).toBe(5);
    await expect(log.read('t1', 'ex-seq', { afterSeq: -1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('gives a repeated event id the seq it already has', async () => {
    await log.append('t1', event('ex-dup', 'a'));
    await log.append('t1', event('ex-dup', 'b'));
    expect(await log.append('t1', event('ex-dup', 'a'))).toEqual({ seq: 1, duplicate: true });
    expect(await readAll('t1', 'ex-dup')).toEqual([
      { seq: 1, eventId: 'a' },
      { seq: 2, eventId: 'b' },
    ]);
  });

  it('keeps tenants apart', async () => {
    await log.append('t1', event('ex-shared-id', 'x'));
    expect((await log.read('t2', 'ex-shared-id')).items).toEqual([]);
    expect(await log.append('t2', event('ex-shared-id', 'x'))).toEqual({ seq: 1, duplicate: false });
  });

  it('numbers 50 parallel appends 1..50 without gap or duplicate', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('t1', event('ex-par', `p${i}`))));
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stored = await readAll('t1', 'ex-par');
    expect(stored.map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(stored.map((s) => s.eventId)).size).toBe(50);
    // 50 appenders all starting at the same number: about n^2/2 lost races by design. Slow only
    // on a loaded machine, so the bound is generous.
  }, 60_000);

  it('stores each of 12 events once when every one is delivered three times concurrently', async () => {
    const deliveries = Array.from({ length: 12 }, (_, i) => `r${i}`).flatMap((id) => [id, id, id]);
    const results = await Promise.all(deliveries.map((id) => log.append('t1', event('ex-retry', id)).then((r) => ({ id, ...r }))));
    const seqOf = new Map<string, number>();
    for (const r of results) {
      if (seqOf.has(r.id)) expect(r.seq).toBe(seqOf.get(r.id));
      seqOf.set(r.id, r.seq);
    }
    expect(results.filter((r) => !r.duplicate)).toHaveLength(12);
    const stored = await readAll('t1', 'ex-retry');
    expect(stored.map((s) => s.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(stored.map((s) => seqOf.get(s.eventId))).toEqual(stored.map((s) => s.seq));
  }, 20_000);

  it('appends a batch with appendMany: known ids keep their number, new ones follow without a gap, in the order given', async () => {
    await log.append('t1', event('ex-many', 'm1'));
    const r = await log.appendMany('t1', [event('ex-many', 'm2'), event('ex-many', 'm1'), event('ex-many', 'm3'), event('ex-many', 'm2'), event('ex-many', 'm4')], { nextSeqHint: 2 });
    expect(r.map((x) => `${x.seq}${x.duplicate ? 'd' : ''}`)).toEqual(['2', '1d', '3', '2d', '4']);
    expect((await readAll('t1', 'ex-many')).map((s) => `${s.seq}:${s.eventId}`)).toEqual(['1:m1', '2:m2', '3:m3', '4:m4']);
    // A stale hint (behind the end) only costs retries.
    const again = await log.appendMany('t1', [event('ex-many', 'm5'), event('ex-many', 'm6')], { nextSeqHint: 3 });
    expect(again.map((x) => x.seq).sort()).toEqual([5, 6]);
    expect((await readAll('t1', 'ex-many')).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('finishes an append that crashed after claiming its marker, at the number it was trying', async () => {
    await log.append('t1', event('ex-crash', 'c1'));
    // A first delivery of c2 claimed its marker and chose seq 2, then died before writing it.
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { ...keys.executionEventId('t1', 'ex-crash', 'c2'), eventId: 'c2', trying: 2 } }));
    expect(await log.append('t1', event('ex-crash', 'c3'))).toEqual({ seq: 2, duplicate: false });
    // The retry finds seq 2 taken by c3 and moves on to 3: no gap, no duplicate. It is the call
    // that wrote c2, so it is no duplicate either.
    expect(await log.append('t1', event('ex-crash', 'c2'))).toEqual({ seq: 3, duplicate: false });
    expect(await log.append('t1', event('ex-crash', 'c2'))).toEqual({ seq: 3, duplicate: true });
    expect((await readAll('t1', 'ex-crash')).map((s) => s.eventId)).toEqual(['c1', 'c3', 'c2']);
  });


  it('finishes an append that crashed after writing its event but before recording the seq', async () => {
    await log.append('t1', event('ex-crash2', 'd1'));
    await log.append('t1', event('ex-crash2', 'd2'));
    // Simulate the crash: forget the final seq on the marker, keeping only what was being tried.
    await dynamo.doc.send(new UpdateCommand({ TableName: dynamo.tableName, Key: keys.executionEventId('t1', 'ex-crash2', 'd2'), UpdateExpression: 'REMOVE seq' }));
    expect(await log.append('t1', event('ex-crash2', 'd2'))).toEqual({ seq: 2, duplicate: true });
    expect(await log.append('t1', event('ex-crash2', 'd3'))).toEqual({ seq: 3, duplicate: false });
    expect((await readAll('t1', 'ex-crash2')).map((s) => s.eventId)).toEqual(['d1', 'd2', 'd3']);
  });
});
