/**
 * How runtimes publish lifecycle events they produce themselves (`log`, `user_input_required`,
 * `execution_paused`). The id, execution id and timestamp are filled in by the sink.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, eventDetailTypes, lifecycleEventSchema, type EventDraft, type LifecycleEvent } from '@shared/events';

export type { EventDraft };
export type Emit = (event: EventDraft) => void | Promise<void>;

/** Completes a draft into a valid lifecycle event (validated against the shared schema). */
export function stampEvent(draft: EventDraft, executionId: string, workflowId?: string): LifecycleEvent {
  return lifecycleEventSchema.parse({
    ...draft,
    event_id: randomUUID(),
    execution_id: executionId,
    ...(workflowId ? { workflow_id: workflowId } : {}),
    timestamp: draft.timestamp ?? new Date().toISOString(),
  });
}

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;
const ATTEMPTS = 4;

/**
 * Puts lifecycle events on an EventBridge bus in batches of at most 10, retrying the entries that
 * failed (PutEvents can fail entry by entry) with backoff.
 *
 * @example
 * ```ts
 * await putLifecycleEvents(eventBridge, 'stepflow-bus', [event]);
 * ```
 */
export async function putLifecycleEvents(client: EventBridgeClient, busName: string, events: readonly LifecycleEvent[], sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) {
    let entries: PutEventsRequestEntry[] = events.slice(i, i + BATCH).map((e) => ({
      EventBusName: busName,
      Source: EVENT_SOURCE,
      DetailType: eventDetailTypes[e.type],
      Detail: JSON.stringify(e),
      Time: new Date(e.timestamp),
      Resources: [e.execution_id].filter((r) => r.startsWith('arn:')),
    }));
    for (let attempt = 1; entries.length > 0; attempt += 1) {
      const res = await client.send(new PutEventsCommand({ Entries: entries }));
      if (!res.FailedEntryCount) break;
      const failed = entries.filter((_, idx) => res.Entries?.[idx]?.ErrorCode !== undefined);
      if (attempt >= ATTEMPTS) {
        const codes = [...new Set((res.Entries ?? []).map((x) => x.ErrorCode).filter(Boolean))].join(', ');
        throw new Error(`EventBridge rejected ${failed.length} event(s) after ${ATTEMPTS} attempts (${codes})`);
      }
      entries = failed;
      await sleep(50 * 2 ** attempt);
    }
  }
}

/**
 * Collects a handler's events and puts them in batches of 10: streamed deltas do not cost one
 * PutEvents call each, and `flush()` at the end of the invocation guarantees delivery before
 * the Lambda returns.
 */
export class BufferedEventSink {
  private buffer: LifecycleEvent[] = [];
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly put: (events: LifecycleEvent[]) => Promise<void>,
    private readonly executionId: string,
    private readonly workflowId?: string,
  ) {}

  readonly emit: Emit = (draft) => {
    this.buffer.push(stampEvent(draft, this.executionId, this.workflowId));
    if (this.buffer.length >= BATCH) this.drain();
  };

  private drain(): void {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) this.sending = this.sending.then(() => this.put(batch));
  }

  async flush(): Promise<void> {
    this.drain();
    await this.sending;
  }
}
