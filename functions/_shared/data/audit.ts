/**
 * The audit trail: one record per mutating call, appended and never changed.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import type { AuditRecord, Page, PageRequest } from './records';
import { epochSeconds, isConditionalFailure, queryPage, strip } from './support';

export type NewAuditRecord = Omit<AuditRecord, 'auditId' | 'at'> & { readonly auditId?: string; readonly at?: Date };

/**
 * Audit records on `TENANT#<t>#AUDIT` / `<at>#<auditId>`, listed newest first.
 * @example
 * ```ts
 * const audit = new AuditRepository(doc, 'stepflow', { retentionDays: 400 });
 * await audit.append({ tenantId: 't1', actor: 'u1', action: 'workflow.update', target: 'workflow/wf-1', requestId, outcome: 'success' });
 * ```
 */
export class AuditRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Records expire after this many days; kept forever when absent. */
    private readonly options: { retentionDays?: number } = {},
  ) {}

  /**
   * Appends a record. Passing the same `auditId` and `at` again (a retried call) stores it once.
   */
  async append(input: NewAuditRecord): Promise<AuditRecord> {
    const at = input.at ?? new Date();
    const record: AuditRecord = { ...input, auditId: input.auditId ?? randomUUID(), at: at.toISOString() };
    const ttl = this.options.retentionDays !== undefined ? { ttl: epochSeconds(at) + this.options.retentionDays * 86_400 } : {};
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: { ...keys.audit(record.tenantId, record.at, record.auditId), ...record, ...ttl }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      // The same record already stored: an audit append is idempotent.
      if (!isConditionalFailure(err)) throw err;
    }
    return record;
  }

  /** The tenant's records, newest first (expired ones left out). */
  async list(tenantId: string, page: PageRequest = {}, now: Date = new Date()): Promise<Page<AuditRecord>> {
    const res = await queryPage(this.db, { tableName: this.tableName, pk: keys.auditPartition(tenantId), forward: false, page, now });
    return { ...res, items: res.items.map((i) => strip<AuditRecord>(i, 'ttl')) };
  }
}
