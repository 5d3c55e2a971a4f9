/**
 * WebSocket connections and their execution subscriptions, stored in both directions: the
 * fan-out asks "who watches execution X" and `$disconnect` asks "what does connection C watch"
 * to clean up. Every item expires with the connection (`ttl`), so a missed `$disconnect` leaves
 * nothing behind for long, and reads skip expired items at once.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '@shared/errors';
import { keys } from './keys';
import type { ConnectionRecord } from './records';
import { epochSeconds, isLive, queryPage, strip } from './support';

/** API Gateway closes WebSocket connections after two hours. */
export const CONNECTION_TTL_SECONDS = 2 * 3600;

/**
 * Connections on `CONN#<id>` / `CONN`; subscriptions on `TENANT#<t>#EXEC#<id>` / `SUB#<conn>` and
 * `CONN#<id>` / `SUB#<t>#<exec>`.
 * @example
 * ```ts
 * const conns = new ConnectionRepository(doc, 'stepflow');
 * await conns.connect({ connectionId, tenantId: 't1', userId: 'u1' });
 * await conns.subscribe('t1', connectionId, executionId);
 * const ids = await conns.subscribers('t1', executionId);
 * ```
 */
export class ConnectionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records a connection (repeating it refreshes it: `$connect` may be retried). */
  async connect(input: { connectionId: string; tenantId: string; userId: string; roles?: readonly string[] }, at: Date = new Date()): Promise<ConnectionRecord> {
    const record: ConnectionRecord = { ...input, connectedAt: at.toISOString(), ttl: epochSeconds(at) + CONNECTION_TTL_SECONDS };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.connection(input.connectionId), ...record } }));
    return record;
  }

  /** The live connection, or undefined. */
  async find(connectionId: string, now: Date = new Date()): Promise<ConnectionRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ConsistentRead: true }));
    return isLive(res.Item, now) ? strip<ConnectionRecord>(res.Item) : undefined;
  }

  /**
   * Subscribes a live connection of this tenant to an execution (NotFoundError for a missing,
   * expired or other tenant's connection). Idempotent.
   */
  async subscribe(tenantId: string, connectionId: string, executionId: string, now: Date = new Date()): Promise<void> {
    const conn = await this.find(connectionId, now);
    if (!conn || conn.tenantId !== tenantId) throw new NotFoundError(`connection ${connectionId} does not exist`);
    const item = { connectionId, tenantId, executionId, ttl: conn.ttl };
    // The connection's side first: disconnect cleanup then always finds the execution's side.
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.connectionSubscription(connectionId, tenantId, executionId), ...item } }));
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.executionSubscriber(tenantId, executionId, connectionId), ...item } }));
  }

  /** Ends one subscription (idempotent). */
  async unsubscribe(tenantId: string, connectionId: string, executionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.executionSubscriber(tenantId, executionId, connectionId) }));
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connectionSubscription(connectionId, tenantId, executionId) }));
  }

  /** Connection ids watching an execution (expired ones left out). */
  async subscribers(tenantId: string, executionId: string, now: Date = new Date()): Promise<string[]> {
    const k = keys.executionSubscriberPrefix(tenantId, executionId);
    return (await this.all(k.pk, k.skPrefix, now)).map((i) => String(i.connectionId));
  }

  /** The executions a connection watches. */
  async subscriptions(connectionId: string, now: Date = new Date()): Promise<Array<{ tenantId: string; executionId: string }>> {
    const k = keys.connectionSubscriptionPrefix(connectionId);
    return (await this.all(k.pk, k.skPrefix, now)).map((i) => ({ tenantId: String(i.tenantId), executionId: String(i.executionId) }));
  }

  /** Removes a connection and all its subscriptions (idempotent: safe to run twice). */
  async disconnect(connectionId: string): Promise<void> {
    // "Now" at the epoch: expired subscriptions count as live here, so they are removed too.
    for (const s of await this.subscriptions(connectionId, new Date(0))) await this.unsubscribe(s.tenantId, connectionId, s.executionId);
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connection(connectionId) }));
  }

  private async all(pk: string, skPrefix: string, now: Date): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    do {
      const page = await queryPage(this.db, { tableName: this.tableName, pk, skPrefix, forward: true, page: { limit: 200, ...(cursor ? { cursor } : {}) }, now });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}
