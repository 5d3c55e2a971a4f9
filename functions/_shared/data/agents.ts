/**
 * Registered agents. The item shape (`TENANT#<t>` / `AGENT#<id>` with attribute `definition`)
 * is the one the agent runtime reads (functions/run-agent/agent-store.ts): keep it compatible.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AgentDefinition } from '@shared/agents';
import { ConflictError, NotFoundError } from '@shared/errors';
import { keys } from './keys';
import type { AgentRecord, Page, PageRequest } from './records';
import { isConditionalFailure, isLive, queryPage, strip } from './support';

/**
 * Agent definitions per tenant, listed by id.
 * @example
 * ```ts
 * const agents = new AgentRepository(doc, 'stepflow');
 * await agents.register('t1', { id: 'researcher', name: 'Researcher', systemPrompt: '...', models, tools: [], delegates: [], description: '', maxSteps: 10 });
 * ```
 */
export class AgentRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Registers a definition. Without `replace` the id must be new (ConflictError otherwise); with
   * it the agent must exist (NotFoundError otherwise), keeps its `createdAt` and moves to the
   * next `revision` (ConflictError when another replace got there first).
   */
  async register(tenantId: string, definition: AgentDefinition, options: { replace?: boolean } = {}, at: Date = new Date()): Promise<AgentRecord> {
    const now = at.toISOString();
    const existing = options.replace ? await this.get(tenantId, definition.id) : undefined;
    const revision = (existing?.revision ?? 0) + 1;
    const record: AgentRecord = { tenantId, agentId: definition.id, definition, revision, createdAt: existing?.createdAt ?? now, updatedAt: now };
    // A replace applies only to the revision it read, so two racing replaces cannot both win
    // (items the runtime store wrote have no revision yet).
    const condition = !existing ? 'attribute_not_exists(pk)' : existing.revision === undefined ? 'attribute_exists(pk) AND attribute_not_exists(revision)' : 'revision = :seen';
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.agent(tenantId, definition.id), ...record },
          ConditionExpression: condition,
          ...(existing?.revision !== undefined ? { ExpressionAttributeValues: { ':seen': existing.revision } } : {}),
        }),
      );
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      if (existing) throw new ConflictError(`agent ${definition.id} changed while it was being replaced: reload it and try again`);
      throw new ConflictError(`agent ${definition.id} is already registered: pass replace to update it`);
    }
    return record;
  }

  async find(tenantId: string, agentId: string): Promise<AgentRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.agent(tenantId, agentId), ConsistentRead: true }));
    return isLive(res.Item) ? toRecord(tenantId, res.Item) : undefined;
  }

  /** The agent, or NotFoundError. */
  async get(tenantId: string, agentId: string): Promise<AgentRecord> {
    const a = await this.find(tenantId, agentId);
    if (!a) throw new NotFoundError(`agent ${agentId} does not exist`);
    return a;
  }

  /** The tenant's agents, ordered by id. */
  async list(tenantId: string, page: PageRequest = {}): Promise<Page<AgentRecord>> {
    const k = keys.agentPrefix(tenantId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: true, page });
    return { ...res, items: res.items.map((i) => toRecord(tenantId, i)) };
  }

  /** Deletes the agent (NotFoundError when absent). Running workflows that name it then fail to load it. */
  async delete(tenantId: string, agentId: string): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.agent(tenantId, agentId), ConditionExpression: 'attribute_exists(pk)' }));
    } catch (err) {
      if (isConditionalFailure(err)) throw new NotFoundError(`agent ${agentId} does not exist`);
      throw err;
    }
  }
}

/** Items written by the runtime's own store hold only `definition`; fill the ids from the key. */
function toRecord(tenantId: string, item: Record<string, unknown>): AgentRecord {
  const rest = strip<Partial<AgentRecord>>(item, 'ttl');
  const definition = rest.definition as AgentDefinition;
  return { ...rest, tenantId, agentId: definition.id, definition };
}
