/**
 * Registered agent definitions, read by the agent runtime (registered through the API).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { agentDefinitionSchema, type AgentDefinition } from '@shared/agents';
import { keys } from '../_shared/data/keys';

export interface AgentStore {
  get(tenantId: string, agentId: string): Promise<AgentDefinition | undefined>;
}

/**
 * @example
 * ```ts
 * const agents = new DynamoAgentStore(doc, 'stepflow');
 * ```
 */
export class DynamoAgentStore implements AgentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, agentId: string): Promise<AgentDefinition | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.agent(tenantId, agentId) }));
    if (!res.Item) return undefined;
    const parsed = agentDefinitionSchema.safeParse(res.Item.definition);
    return parsed.success ? parsed.data : undefined;
  }

  /** Stores a definition (the API owns registration; tests and the local platform use this). */
  async put(tenantId: string, definition: AgentDefinition): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.agent(tenantId, definition.id), definition } }));
  }
}

/** Definitions held in memory (the CLI, tests). */
export class MemoryAgentStore implements AgentStore {
  private readonly defs = new Map<string, AgentDefinition>();
  constructor(definitions: readonly AgentDefinition[] = [], tenantId = 'local') {
    for (const d of definitions) this.defs.set(`${tenantId}/${d.id}`, d);
  }
  async get(tenantId: string, agentId: string): Promise<AgentDefinition | undefined> {
    return this.defs.get(`${tenantId}/${agentId}`);
  }
}
