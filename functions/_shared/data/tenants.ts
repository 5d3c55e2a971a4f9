/**
 * Tenants: the owner of every other control-plane record.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '@shared/errors';
import { GSI1, keys } from './keys';
import type { Page, PageRequest, TenantRecord } from './records';
import { isConditionalFailure, isLive, queryPage, strip } from './support';

/**
 * Tenant profiles (`TENANT#<id>` / `PROFILE`).
 * @example
 * ```ts
 * const tenants = new TenantRepository(doc, 'stepflow');
 * await tenants.create({ tenantId: 'acme', name: 'Acme' });
 * ```
 */
export class TenantRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates a tenant once; a second create of the same id is a ConflictError. */
  async create(input: { tenantId: string; name: string }, at: Date = new Date()): Promise<TenantRecord> {
    const record: TenantRecord = { tenantId: input.tenantId, name: input.name, createdAt: at.toISOString() };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.tenant(record.tenantId), ...keys.tenantsIndex(record.createdAt, record.tenantId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalFailure(err)) throw new ConflictError(`tenant ${input.tenantId} already exists`);
      throw err;
    }
    return record;
  }

  async find(tenantId: string): Promise<TenantRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
    return isLive(res.Item) ? strip<TenantRecord>(res.Item, 'ttl') : undefined;
  }

  /** The tenant, or NotFoundError. */
  async get(tenantId: string): Promise<TenantRecord> {
    const t = await this.find(tenantId);
    if (!t) throw new NotFoundError(`tenant ${tenantId} does not exist`);
    return t;
  }

  /** All tenants, oldest first (an operator listing). */
  async list(page: PageRequest = {}): Promise<Page<TenantRecord>> {
    const res = await queryPage(this.db, { tableName: this.tableName, index: GSI1, pk: keys.tenantsIndexPk(), forward: true, page });
    return { ...res, items: res.items.map((i) => strip<TenantRecord>(i, 'ttl')) };
  }
}
