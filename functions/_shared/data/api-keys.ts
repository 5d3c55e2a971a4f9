/**
 * API keys. The secret is shown once, at creation; the table keeps only its SHA-256 hash (the
 * lookup item) and the tenant's metadata item (for listing and revoking) — never the secret.
 *
 * Creation writes the tenant's item first and the lookup item second: a crash in between leaves
 * a listed key that does not work (and can be revoked), never a working key nobody can see.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '@shared/errors';
import { keys } from './keys';
import { generateApiKey, hashApiKey, type ApiKeyLookup } from '../auth/api-keys';
import type { ApiKeyRecord, ApiKeyRole, Page, PageRequest } from './records';
import { isConditionalFailure, isLive, queryPage, strip } from './support';

export { API_KEY_PREFIX, hashApiKey } from '../auth/api-keys';

const INTERNAL = ['ttl', 'keyHash'];

/**
 * API keys on `APIKEY#<sha256>` (lookup) and `TENANT#<t>` / `APIKEY#<keyId>` (metadata).
 * @example
 * ```ts
 * const apiKeys = new ApiKeyRepository(doc, 'stepflow');
 * const { secret } = await apiKeys.create('t1', { name: 'CI', role: 'runner' });
 * const key = await apiKeys.authenticate(secret); // { tenantId: 't1', role: 'runner', ... }
 * ```
 */
export class ApiKeyRepository implements ApiKeyLookup {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates a key; the returned `secret` is the only copy there will ever be. */
  async create(tenantId: string, input: { name: string; role: ApiKeyRole; keyId?: string }, at: Date = new Date()): Promise<{ record: ApiKeyRecord; secret: string }> {
    const { key: secret, hash: keyHash } = generateApiKey();
    const record: ApiKeyRecord = { tenantId, keyId: input.keyId ?? randomUUID(), name: input.name, role: input.role, createdAt: at.toISOString() };
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.apiKey(tenantId, record.keyId), ...record, keyHash }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (err) {
      if (isConditionalFailure(err)) throw new ConflictError(`API key ${record.keyId} already exists`);
      throw err;
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.apiKeyHash(keyHash), tenantId, keyId: record.keyId, role: record.role, name: record.name, createdAt: record.createdAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { record, secret };
  }

  /** The key a secret belongs to, or undefined (unknown, revoked). Does not record the use. */
  async authenticate(secret: string): Promise<ApiKeyRecord | undefined> {
    return this.findByHash(hashApiKey(secret));
  }

  /** The live key stored under a SHA-256 hash (the auth module's lookup port). */
  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKeyHash(hash), ConsistentRead: true }));
    if (!isLive(res.Item)) return undefined;
    const meta = await this.find(String(res.Item.tenantId), String(res.Item.keyId));
    return meta && meta.revokedAt === undefined ? meta : undefined;
  }

  /** Records a use (a no-op for a revoked or missing key). */
  async touch(tenantId: string, keyId: string, at: Date = new Date()): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(tenantId, keyId),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
    }
  }

  async find(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(tenantId, keyId), ConsistentRead: true }));
    return isLive(res.Item) ? strip<ApiKeyRecord>(res.Item, ...INTERNAL) : undefined;
  }

  /** The tenant's keys (revoked ones included, marked), without hashes. */
  async list(tenantId: string, page: PageRequest = {}): Promise<Page<ApiKeyRecord>> {
    const k = keys.apiKeyPrefix(tenantId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: true, page });
    return { ...res, items: res.items.map((i) => strip<ApiKeyRecord>(i, ...INTERNAL)) };
  }

  /**
   * Revokes a key: marks the metadata, then deletes the lookup item. Safe to repeat (a retry
   * finishes a half-done revoke); NotFoundError for an unknown key.
   */
  async revoke(tenantId: string, keyId: string, at: Date = new Date()): Promise<ApiKeyRecord> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(tenantId, keyId), ConsistentRead: true }));
    if (!isLive(res.Item)) throw new NotFoundError(`API key ${keyId} does not exist`);
    const keyHash = String(res.Item.keyHash);
    let item: Record<string, unknown> = res.Item;
    if (item.revokedAt === undefined) {
      try {
        const upd = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.apiKey(tenantId, keyId),
            UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':at': at.toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        );
        item = upd.Attributes ?? item;
      } catch (err) {
        if (!isConditionalFailure(err)) throw err;
        item = (await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(tenantId, keyId), ConsistentRead: true }))).Item ?? item;
      }
    }
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.apiKeyHash(keyHash) }));
    return strip<ApiKeyRecord>(item, ...INTERNAL);
  }
}
