/**
 * Node runs: what each node did in an execution (per loop iteration), built from lifecycle
 * events that arrive at least once and possibly out of order.
 *
 * Each update carries its attempt number and a rank (RUNNING 1 < SUCCEEDED/FAILED 2) and applies
 * only when it is not older than what the item holds: a later attempt wins, and within an
 * attempt a finish beats a start. Re-applying the same event writes the same values again, so
 * duplicates are harmless; a stale event is ignored.
 */
import { UpdateCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LifecycleEvent } from '@shared/events';
import { keys } from './keys';
import type { NodeRunData, NodeRunRecord, NodeRunStatus, Page, PageRequest } from './records';
import { assertInline, isConditionalFailure, isLive, queryPage, strip, updateExpression } from './support';

export interface NodeRunUpdate extends NodeRunData {
  readonly executionId: string;
  readonly nodeId: string;
  readonly iteration?: readonly number[];
  readonly nodeType?: string;
  readonly status: NodeRunStatus;
  /** The attempt this update belongs to (1-based). */
  readonly attempt: number;
  /** When it happened: the start time for RUNNING, the finish time otherwise. */
  readonly at: string;
}

const RANK: Record<NodeRunStatus, number> = { RUNNING: 1, SUCCEEDED: 2, FAILED: 2 };
const INTERNAL = ['ttl', 'rank'];

/** The sort-key form of an iteration: indices joined by `.`, `-` outside loops. */
export const iterationKey = (iteration: readonly number[] | undefined): string => (iteration && iteration.length > 0 ? iteration.join('.') : '-');

/**
 * Node runs on `TENANT#<t>#EXEC#<id>` / `NODE#<nodeId>#<iteration>`.
 * @example
 * ```ts
 * const runs = new NodeRunRepository(doc, 'stepflow');
 * await runs.applyEvent('t1', lifecycleEvent);
 * const { items } = await runs.list('t1', executionId);
 * ```
 */
export class NodeRunRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Upserts a node run; `applied` is false when a newer state was already recorded. */
  async record(tenantId: string, update: NodeRunUpdate): Promise<{ applied: boolean; run: NodeRunRecord }> {
    assertInline('input', update.input, 'inputRef');
    assertInline('output', update.output, 'outputRef');
    const finished = update.status !== 'RUNNING';
    const u = updateExpression(
      {
        tenantId,
        executionId: update.executionId,
        nodeId: update.nodeId,
        iteration: [...(update.iteration ?? [])],
        nodeType: update.nodeType,
        status: update.status,
        attempts: update.attempt,
        rank: RANK[update.status],
        ...(finished ? { finishedAt: update.at } : { startedAt: update.at }),
        durationMs: update.durationMs,
        input: update.input,
        inputRef: update.inputRef,
        output: update.output,
        outputRef: update.outputRef,
        tokens: update.tokens,
        error: update.error,
        updatedAt: new Date().toISOString(),
      },
      // A new attempt starts clean of the previous attempt's result; a success clears the error.
      update.status === 'RUNNING' ? ['finishedAt', 'durationMs', 'output', 'outputRef'] : update.status === 'SUCCEEDED' ? ['error'] : [],
    );
    const key = keys.nodeRun(tenantId, update.executionId, update.nodeId, iterationKey(update.iteration));
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: u.expression,
          ConditionExpression: 'attribute_not_exists(pk) OR attempts < :attempt OR (attempts = :attempt AND #rank <= :rank)',
          ExpressionAttributeNames: { ...u.names, '#rank': 'rank' },
          ExpressionAttributeValues: { ...u.values, ':attempt': update.attempt, ':rank': RANK[update.status] },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { applied: true, run: strip<NodeRunRecord>(res.Attributes ?? {}, ...INTERNAL) };
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { applied: false, run: strip<NodeRunRecord>(res.Item ?? {}, ...INTERNAL) };
    }
  }

  /**
   * Applies a node lifecycle event (node_started, node_completed, node_failed); other events are
   * ignored and give undefined.
   */
  async applyEvent(tenantId: string, event: LifecycleEvent): Promise<{ applied: boolean; run: NodeRunRecord } | undefined> {
    const base = { executionId: event.execution_id, at: event.timestamp };
    switch (event.type) {
      case 'node_started':
        return this.record(tenantId, { ...base, nodeId: event.node_id, nodeType: event.node_type, iteration: event.iteration, status: 'RUNNING', attempt: event.attempt });
      case 'node_completed':
        return this.record(tenantId, {
          ...base,
          nodeId: event.node_id,
          nodeType: event.node_type,
          iteration: event.iteration,
          status: 'SUCCEEDED',
          attempt: event.attempts,
          output: event.output,
          durationMs: event.duration_ms,
          ...(event.usage ? { tokens: { input: event.usage.input_tokens, output: event.usage.output_tokens, costUsd: event.usage.cost_usd } } : {}),
        });
      case 'node_failed':
        return this.record(tenantId, { ...base, nodeId: event.node_id, nodeType: event.node_type, iteration: event.iteration, status: 'FAILED', attempt: event.attempt, error: event.error, durationMs: event.duration_ms });
      default:
        return undefined;
    }
  }

  /** One node run, or undefined. */
  async find(tenantId: string, executionId: string, nodeId: string, iteration?: readonly number[]): Promise<NodeRunRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.nodeRun(tenantId, executionId, nodeId, iterationKey(iteration)), ConsistentRead: true }));
    return isLive(res.Item) ? strip<NodeRunRecord>(res.Item, ...INTERNAL) : undefined;
  }

  /** An execution's node runs, ordered by node id then iteration. */
  async list(tenantId: string, executionId: string, page: PageRequest = {}): Promise<Page<NodeRunRecord>> {
    const k = keys.nodeRunPrefix(tenantId, executionId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: true, page });
    return { ...res, items: res.items.map((i) => strip<NodeRunRecord>(i, ...INTERNAL)) };
  }
}
