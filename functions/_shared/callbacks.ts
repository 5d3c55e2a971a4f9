/**
 * Callback tasks waiting for an answer: human input, pause gates and waits for external events.
 * Each records its task token with the execution, so an answer (REST, WebSocket, resume) can be
 * checked against the request and sent to Step Functions exactly once.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '@shared/errors';
import { keys } from './data/keys';

export type CallbackKind = 'human_input' | 'pause' | 'event';
export type CallbackStatus = 'waiting' | 'answered' | 'expired' | 'cancelled';

export interface CallbackRecord {
  readonly executionId: string;
  /** Public id of the request (never the task token itself). */
  readonly requestId: string;
  readonly nodeId: string;
  readonly kind: CallbackKind;
  readonly taskToken: string;
  readonly status: CallbackStatus;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly prompt?: string;
  readonly inputSchema?: Record<string, unknown>;
  readonly eventName?: string;
  readonly answeredAt?: string;
  readonly answeredBy?: string;
}

/** The public id of a task token: stable, and useless for answering without the store. */
export function requestIdOf(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 32);
}

export interface CallbackStore {
  /** Records a new waiting callback (once per request id). */
  put(record: CallbackRecord): Promise<void>;
  get(executionId: string, requestId: string): Promise<CallbackRecord | undefined>;
  list(executionId: string): Promise<CallbackRecord[]>;
  /** Moves a waiting callback to a final status; refuses (409) when it is no longer waiting. */
  finish(executionId: string, requestId: string, status: Exclude<CallbackStatus, 'waiting'>, by?: string, at?: Date): Promise<CallbackRecord>;
}

const TTL_GRACE_SECONDS = 7 * 86_400;

/**
 * Callbacks on the Stepflow table (`EXEC#<id>` / `CALLBACK#<requestId>`).
 * @example
 * ```ts
 * const store = new DynamoCallbackStore(doc, 'stepflow');
 * ```
 */
export class DynamoCallbackStore implements CallbackStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: CallbackRecord): Promise<void> {
    const ttl = record.expiresAt ? Math.floor(Date.parse(record.expiresAt) / 1000) + TTL_GRACE_SECONDS : undefined;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.callback(record.executionId, record.requestId), ...record, ...(ttl ? { ttl } : {}) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`callback ${record.requestId} is already recorded`);
      throw err;
    }
  }

  async get(executionId: string, requestId: string): Promise<CallbackRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.callback(executionId, requestId), ConsistentRead: true }));
    return res.Item ? strip(res.Item) : undefined;
  }

  async list(executionId: string): Promise<CallbackRecord[]> {
    const k = keys.callbackPrefix(executionId);
    const out: CallbackRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': k.pk, ':sk': k.skPrefix },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(res.Items ?? []).map(strip));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async finish(executionId: string, requestId: string, status: Exclude<CallbackStatus, 'waiting'>, by?: string, at = new Date()): Promise<CallbackRecord> {
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.callback(executionId, requestId),
          UpdateExpression: `SET #s = :s, answeredAt = :at${by ? ', answeredBy = :by' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND #s = :waiting',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':at': at.toISOString(), ':waiting': 'waiting', ...(by ? { ':by': by } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip(res.Attributes ?? {});
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get(executionId, requestId);
      if (!current) throw new NotFoundError(`execution ${executionId} has no request ${requestId}`);
      throw new ConflictError(`request ${requestId} is ${current.status}, not waiting`);
    }
  }
}

function strip(item: Record<string, unknown>): CallbackRecord {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as CallbackRecord;
}

/**
 * The same rules in memory, for single-process runs.
 * @example
 * ```ts
 * const store = new MemoryCallbackStore();
 * ```
 */
export class MemoryCallbackStore implements CallbackStore {
  private readonly records = new Map<string, CallbackRecord>();
  private key(e: string, r: string) {
    return `${e}\u0000${r}`;
  }
  async put(record: CallbackRecord): Promise<void> {
    const k = this.key(record.executionId, record.requestId);
    if (this.records.has(k)) throw new ConflictError(`callback ${record.requestId} is already recorded`);
    this.records.set(k, { ...record });
  }
  async get(executionId: string, requestId: string): Promise<CallbackRecord | undefined> {
    const r = this.records.get(this.key(executionId, requestId));
    return r ? { ...r } : undefined;
  }
  async list(executionId: string): Promise<CallbackRecord[]> {
    return [...this.records.values()].filter((r) => r.executionId === executionId).map((r) => ({ ...r }));
  }
  async finish(executionId: string, requestId: string, status: Exclude<CallbackStatus, 'waiting'>, by?: string, at = new Date()): Promise<CallbackRecord> {
    const k = this.key(executionId, requestId);
    const current = this.records.get(k);
    if (!current) throw new NotFoundError(`execution ${executionId} has no request ${requestId}`);
    if (current.status !== 'waiting') throw new ConflictError(`request ${requestId} is ${current.status}, not waiting`);
    const next: CallbackRecord = { ...current, status, answeredAt: at.toISOString(), ...(by ? { answeredBy: by } : {}) };
    this.records.set(k, next);
    return { ...next };
  }
}
