/**
 * Agent memory per session, persisted in DynamoDB: every exchange is appended in order; a run
 * sees the running summary plus the last `window` messages, and once enough older messages
 * pile up they are folded into the summary by the model, so long sessions stay within context.
 */
import { BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../_shared/data/keys';
import type { ChatMessage } from '../_shared/models/types';

export interface MemoryView {
  readonly summary?: string;
  readonly messages: ChatMessage[];
  /** Sequence number after the last stored message. */
  readonly count: number;
  readonly summarizedUpTo: number;
}

export interface AgentMemory {
  load(tenantId: string, sessionId: string): Promise<MemoryView>;
  append(tenantId: string, sessionId: string, messages: readonly ChatMessage[]): Promise<void>;
  /** Messages in [from, to) for summarising. */
  range(tenantId: string, sessionId: string, from: number, to: number): Promise<ChatMessage[]>;
  setSummary(tenantId: string, sessionId: string, summary: string, upTo: number): Promise<void>;
}

export const MEMORY_WINDOW = 20;

/**
 * @example
 * ```ts
 * const memory = new DynamoAgentMemory(doc, 'stepflow');
 * ```
 */
export class DynamoAgentMemory implements AgentMemory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly window = MEMORY_WINDOW,
  ) {}

  async load(tenantId: string, sessionId: string): Promise<MemoryView> {
    const head = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.memoryHead(tenantId, sessionId), ConsistentRead: true }));
    const count = (head.Item?.count as number | undefined) ?? 0;
    const summarizedUpTo = (head.Item?.summarizedUpTo as number | undefined) ?? 0;
    const from = Math.max(summarizedUpTo, count - this.window);
    const messages = await this.range(tenantId, sessionId, from, count);
    const summary = head.Item?.summary as string | undefined;
    return { ...(summary ? { summary } : {}), messages, count, summarizedUpTo };
  }

  async append(tenantId: string, sessionId: string, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Reserve sequence numbers atomically, so concurrent runs of one session never collide.
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.memoryHead(tenantId, sessionId),
        UpdateExpression: 'ADD #c :n',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':n': messages.length },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const end = res.Attributes?.count as number;
    const start = end - messages.length;
    for (let i = 0; i < messages.length; i += 25) {
      await this.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.tableName]: messages.slice(i, i + 25).map((m, j) => ({ PutRequest: { Item: { ...keys.memoryMessage(tenantId, sessionId, start + i + j), message: m } } })),
          },
        }),
      );
    }
  }

  async range(tenantId: string, sessionId: string, from: number, to: number): Promise<ChatMessage[]> {
    if (to <= from) return [];
    const pk = keys.memoryPartition(tenantId, sessionId);
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':pk': pk, ':a': keys.memoryMessage(tenantId, sessionId, from).sk, ':b': keys.memoryMessage(tenantId, sessionId, to - 1).sk },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => i.message as ChatMessage);
  }

  async setSummary(tenantId: string, sessionId: string, summary: string, upTo: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.memoryHead(tenantId, sessionId),
        UpdateExpression: 'SET summary = :s, summarizedUpTo = :u',
        ConditionExpression: 'attribute_not_exists(summarizedUpTo) OR summarizedUpTo < :u',
        ExpressionAttributeValues: { ':s': summary, ':u': upTo },
      }),
    ).catch((err: Error) => {
      // A concurrent run summarised further already; its summary wins.
      if (err.name !== 'ConditionalCheckFailedException') throw err;
    });
  }
}

/** The same in process memory (the CLI). */
export class MemoryAgentMemory implements AgentMemory {
  private readonly sessions = new Map<string, { messages: ChatMessage[]; summary?: string; summarizedUpTo: number }>();
  constructor(private readonly window = MEMORY_WINDOW) {}
  private s(t: string, id: string) {
    const k = `${t}/${id}`;
    let v = this.sessions.get(k);
    if (!v) {
      v = { messages: [], summarizedUpTo: 0 };
      this.sessions.set(k, v);
    }
    return v;
  }
  async load(t: string, id: string): Promise<MemoryView> {
    const s = this.s(t, id);
    const count = s.messages.length;
    const from = Math.max(s.summarizedUpTo, count - this.window);
    return { ...(s.summary ? { summary: s.summary } : {}), messages: s.messages.slice(from), count, summarizedUpTo: s.summarizedUpTo };
  }
  async append(t: string, id: string, messages: readonly ChatMessage[]): Promise<void> {
    this.s(t, id).messages.push(...messages);
  }
  async range(t: string, id: string, from: number, to: number): Promise<ChatMessage[]> {
    return this.s(t, id).messages.slice(from, to);
  }
  async setSummary(t: string, id: string, summary: string, upTo: number): Promise<void> {
    const s = this.s(t, id);
    if (upTo > s.summarizedUpTo) Object.assign(s, { summary, summarizedUpTo: upTo });
  }
}
