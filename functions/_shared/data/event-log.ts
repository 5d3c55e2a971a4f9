/**
 * The ordered event log of an execution: every lifecycle event once, numbered 1, 2, 3 ... with
 * no gap and no duplicate, even with concurrent appenders and retried deliveries, using only
 * single-item conditional writes (no transactions).
 *
 * Why not an atomic counter (ADD on a head item)? A number taken from a counter is lost when the
 * appender crashes (or loses a duplicate race) before writing its event: a permanent gap. Here
 * the event item itself is the allocation — `EVT#<n>` is put only if absent — and n is always one
 * past an existing event, so the numbers stay contiguous by construction.
 *
 * De-duplication by event id uses a marker item `EVTID#<event id>`:
 *  1. claim the marker (put if absent) with the number about to be tried (`trying`); a later
 *     delivery of the same id finds it;
 *  2. put `EVT#<trying>` if absent (advancing `trying` later is conditional on its value);
 *  3. if that slot holds another event, advance `trying` and repeat; if it holds this event
 *     (a concurrent or crashed delivery of the same id got there), the put rewrites the same
 *     event and it is done;
 *  4. write the final `seq` on the marker.
 * An event id is only ever put at the marker's current `trying`, which only advances past a slot
 * held by another event, so one id never gets two numbers; a crash at any step is finished by the
 * retry, which resumes from the marker.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '@shared/errors';
import type { LifecycleEvent } from '@shared/events';
import { keys } from './keys';
import type { ExecutionEventRecord, PageRequest } from './records';
import { assertInline, isConditionalFailure, queryPage } from './support';

const SEQ_LOW = 'EVT#0000000001';
const SEQ_HIGH = 'EVT#9999999999';
/** A bound on lost races per append, far above what a burst of parallel branches causes. */
const MAX_SLOT_ATTEMPTS = 2_000;

export interface EventPage {
  readonly items: ExecutionEventRecord[];
  /** Pass as `afterSeq` to read on (the last seq returned, or the given one when none). */
  readonly lastSeq: number;
  /** True when more events may follow right away. */
  readonly more: boolean;
}

type Marker = { trying?: number; seq?: number };

/**
 * The log on `TENANT#<t>#EXEC#<id>` / `EVT#<seq>` with markers `EVTID#<event id>`.
 * @example
 * ```ts
 * const log = new ExecutionEventLog(doc, 'stepflow');
 * const { seq, duplicate } = await log.append('t1', event);
 * const page = await log.read('t1', event.execution_id, { afterSeq: 0 });
 * ```
 */
export class ExecutionEventLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Appends an event once; a repeated event id returns the seq it already has. Exactly one call
   * per event id returns `duplicate: false` (the one that wrote it: fan it out), every other
   * `true`. The stored event carries its `seq`. `nextSeqHint` must be at most one past a seq
   * known to exist (e.g. the caller's previous append + 1). With `markSeq: false` the final
   * marker write is skipped: a redelivery then costs a marker read and a rewrite of the same slot
   * instead of a read alone (the marker's `trying` and the slot prove the number), and every
   * first delivery saves a write. For a busy single writer (the FIFO fan-out) that is the better
   * trade.
   */
  async append(tenantId: string, event: LifecycleEvent, options: { nextSeqHint?: number; markSeq?: boolean } = {}): Promise<{ seq: number; duplicate: boolean }> {
    assertInline('event', event, 'a reference to the large output in the event');
    const executionId = event.execution_id;
    const markerKey = keys.executionEventId(tenantId, executionId, event.event_id);
    // The first number to try: one past the end (a hint, one past a seq the caller knows
    // exists, saves the query; a stale hint only costs lost races below, never a gap, because it
    // can never be past the end). Claiming the marker records it as `trying` in the same write.
    const first = options.nextSeqHint ?? (await this.lastSeq(tenantId, executionId)) + 1;
    let claimed = true;
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...markerKey, eventId: event.event_id, trying: first }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      claimed = false;
    }
    const marker: Marker = claimed ? { trying: first } : await this.marker(markerKey);
    if (marker.seq !== undefined) return { seq: marker.seq, duplicate: true };
    return this.place(tenantId, event, markerKey, marker, marker.trying ?? first, options.markSeq !== false, !claimed && marker.trying !== undefined);
  }

  /**
   * Appends consecutive events of one execution with two round trips for the whole batch
   * instead of two per event: every marker is claimed at once with the number its event gets
   * if all are new, the new ones are placed at consecutive numbers from the hint at once, and ids
   * already known go through {@link append} one by one. It assumes one writer per execution at a
   * time (the FIFO fan-out). Results come in the order given. While the batch is being placed a
   * reader may see a later slot filled before an earlier one; once it returns there is no gap,
   * and a crash mid-batch is finished by the retry of the batch (each claimed marker resumes).
   * Without a hint, it appends one by one.
   */
  async appendMany(tenantId: string, events: readonly LifecycleEvent[], options: { nextSeqHint?: number; markSeq?: boolean } = {}): Promise<Array<{ seq: number; duplicate: boolean }>> {
    const results: Array<{ seq: number; duplicate: boolean }> = new Array(events.length);
    let hint = options.nextSeqHint;
    const oneByOne = async (indices: readonly number[]) => {
      for (const i of indices) {
        const r = await this.append(tenantId, events[i] as LifecycleEvent, { ...options, ...(hint === undefined ? {} : { nextSeqHint: hint }) });
        results[i] = r;
        // Still at most one past the end: the end is at least this seq.
        hint = Math.max(hint ?? 0, r.seq + 1);
      }
    };
    if (hint === undefined || events.length < 2) {
      await oneByOne(events.map((_, i) => i));
      return results;
    }
    for (const e of events) {
      assertInline('event', e, 'a reference to the large output in the event');
      if (e.execution_id !== events[0]?.execution_id) throw new ValidationError('appendMany takes events of one execution');
    }
    const markerKeys = events.map((e) => keys.executionEventId(tenantId, e.execution_id, e.event_id));
    const start = hint;
    // Each claim carries the number its event would get if every event in the batch is new.
    const claimed = await Promise.all(
      markerKeys.map((key, i) =>
        this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key, eventId: (events[i] as LifecycleEvent).event_id, trying: start + i }, ConditionExpression: 'attribute_not_exists(pk)' })).then(
          () => true,
          (err: unknown) => {
            if (isConditionalFailure(err)) return false;
            throw err;
          },
        ),
      ),
    );
    const fresh = events.map((_, i) => i).filter((i) => claimed[i]);
    const placed = await Promise.all(
      fresh.map(async (i, j) => {
        const key = markerKeys[i] as { pk: string; sk: string };
        // A known id earlier in the batch takes no number: move this claim down to close the gap
        // before anything is put there (only this writer holds the new claim).
        if (j !== i) {
          await this.db.send(
            new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression: 'SET trying = :n', ConditionExpression: 'trying = :prev AND attribute_not_exists(seq)', ExpressionAttributeValues: { ':n': start + j, ':prev': start + i } }),
          );
        }
        return this.place(tenantId, events[i] as LifecycleEvent, key, { trying: start + j }, start + j, options.markSeq !== false);
      }),
    );
    fresh.forEach((i, j) => {
      results[i] = placed[j] as { seq: number; duplicate: boolean };
      hint = Math.max(hint ?? 0, (placed[j] as { seq: number }).seq + 1);
    });
    await oneByOne(events.map((_, i) => i).filter((i) => !claimed[i]));
    return results;
  }

  /**
   * Puts a claimed event at `candidate` or the first free number after it (steps 2-4 above),
   * starting from what its marker says.
   */
  private async place(tenantId: string, event: LifecycleEvent, markerKey: { pk: string; sk: string }, start: Marker, first: number, markSeq: boolean, resume = false): Promise<{ seq: number; duplicate: boolean }> {
    const executionId = event.execution_id;
    let marker = start;
    // `duplicate` ends false only for the one call whose put wrote the event.
    let duplicate = false;
    let lostRaces = 0;
    let candidate = first;

    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt++) {
      if (marker.trying !== candidate) {
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: markerKey,
              UpdateExpression: 'SET trying = :n',
              ConditionExpression: marker.trying === undefined ? 'attribute_not_exists(trying) AND attribute_not_exists(seq)' : 'trying = :prev AND attribute_not_exists(seq)',
              ExpressionAttributeValues: { ':n': candidate, ...(marker.trying === undefined ? {} : { ':prev': marker.trying }) },
            }),
          );
          marker = { trying: candidate };
        } catch (err) {
          if (!isConditionalFailure(err)) throw err;
          // Another delivery of this id moved on: continue from where it is.
          marker = await this.marker(markerKey);
          if (marker.seq !== undefined) return { seq: marker.seq, duplicate: true };
          candidate = marker.trying ?? candidate;
          continue;
        }
      }
      const slotKey = keys.executionEvent(tenantId, executionId, candidate);
      if (resume && attempt === 0) {
        // A known id resuming where its marker points: if the slot already holds it, it is a
        // redelivery and the stored event stays exactly as first written.
        const held = await this.db.send(new GetCommand({ TableName: this.tableName, Key: slotKey, ConsistentRead: true }));
        if (held.Item?.eventId === event.event_id) {
          if (markSeq) await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: markerKey, UpdateExpression: 'SET seq = :n', ExpressionAttributeValues: { ':n': candidate } }));
          return { seq: candidate, duplicate: true };
        }
      }
      try {
        // Succeeds on a free slot, and on a slot a concurrent delivery of this very event filled
        // (rewriting the same event): one request tells "mine" from "another event's".
        const put = await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...slotKey, seq: candidate, eventId: event.event_id, event: { ...event, seq: candidate } },
            ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eid',
            ExpressionAttributeValues: { ':eid': event.event_id },
            ReturnValues: 'ALL_OLD',
          }),
        );
        duplicate = put.Attributes !== undefined;
      } catch (err) {
        if (!isConditionalFailure(err)) throw err;
        // Taken by another event, so the next slot is the next candidate. Every slot up to the
        // last is filled, so jumping to one past the last cannot leave a gap either: done now
        // and then, it skips a long run of taken slots (a retry resuming long after a crash).
        lostRaces += 1;
        candidate = lostRaces % 8 === 0 ? Math.max(candidate + 1, (await this.lastSeq(tenantId, executionId)) + 1) : candidate + 1;
        continue;
      }
      if (markSeq) await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: markerKey, UpdateExpression: 'SET seq = :n', ExpressionAttributeValues: { ':n': candidate } }));
      return { seq: candidate, duplicate };
    }
    throw new ConflictError(`could not append event ${event.event_id} to execution ${executionId} after ${MAX_SLOT_ATTEMPTS} attempts: retry it`);
  }

  /** The highest seq of the log (0 when empty). */
  async lastSeq(tenantId: string, executionId: string): Promise<number> {
    const res = await queryPage(this.db, { tableName: this.tableName, pk: keys.executionPartition(tenantId, executionId), skBetween: [SEQ_LOW, SEQ_HIGH], forward: false, page: { limit: 1 } });
    const seq = res.items[0]?.seq;
    return typeof seq === 'number' ? seq : 0;
  }

  /** Events with seq greater than `afterSeq` (default 0), in order, at most `limit`. */
  async read(tenantId: string, executionId: string, options: { afterSeq?: number; limit?: PageRequest['limit'] } = {}): Promise<EventPage> {
    const afterSeq = options.afterSeq ?? 0;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new ValidationError(`afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    const from = keys.executionEvent(tenantId, executionId, afterSeq + 1).sk;
    const res = await queryPage(this.db, {
      tableName: this.tableName,
      pk: keys.executionPartition(tenantId, executionId),
      skBetween: [from, SEQ_HIGH],
      forward: true,
      page: options.limit === undefined ? {} : { limit: options.limit },
    });
    const items = res.items.map((i) => ({ seq: Number(i.seq), eventId: String(i.eventId), event: i.event as LifecycleEvent }));
    return { items, lastSeq: items.at(-1)?.seq ?? afterSeq, more: res.cursor !== undefined };
  }

  private async marker(key: { pk: string; sk: string }): Promise<Marker> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const item = res.Item ?? {};
    return { ...(typeof item.trying === 'number' ? { trying: item.trying } : {}), ...(typeof item.seq === 'number' ? { seq: item.seq } : {}) };
  }
}
