/**
 * Helpers the control-plane repositories share: opaque cursors, TTL filtering, paged queries,
 * update-expression building and inline-size checks.
 *
 * @example
 * ```ts
 * const page = await queryPage(doc, { tableName, pk: keys.workflowsIndexPk('t1'), index: 'gsi1', forward: false, page: { limit: 20 } });
 * ```
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '@shared/errors';
import { GSI1 } from './keys';
import type { Page, PageRequest } from './records';

/** Items stay well below DynamoDB's 400 KB limit; larger documents go to S3 by reference. */
export const MAX_INLINE_BYTES = 350_000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

type Item = Record<string, unknown>;

/**
 * True for a failed condition (the SDK class, or its name when a second SDK copy threw it).
 * @example
 * ```ts
 * try { await doc.send(put); } catch (err) { if (!isConditionalFailure(err)) throw err; }
 * ```
 */
export function isConditionalFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err instanceof Error && err.name === 'ConditionalCheckFailedException');
}

/**
 * Epoch seconds, the unit of the table's `ttl` attribute.
 * @example
 * ```ts
 * const ttl = epochSeconds(new Date()) + 3600;
 * ```
 */
export const epochSeconds = (at: Date = new Date()): number => Math.floor(at.getTime() / 1000);

/**
 * False for a missing item or one whose `ttl` has passed: DynamoDB deletes expired items up to
 * days late, so every read checks.
 * @example
 * ```ts
 * if (!isLive(res.Item)) return undefined;
 * ```
 */
export function isLive(item: Item | undefined, now: Date = new Date()): item is Item {
  if (!item) return false;
  const ttl = item.ttl;
  return typeof ttl !== 'number' || ttl > epochSeconds(now);
}

/**
 * The item without its key and index attributes (and any named internal ones).
 * @example
 * ```ts
 * const record = strip<TenantRecord>(res.Item);
 * ```
 */
export function strip<T>(item: Item, ...internal: string[]): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'pk' || k === 'sk' || k === 'gsi1pk' || k === 'gsi1sk' || internal.includes(k)) continue;
    out[k] = v;
  }
  return out as T;
}

/**
 * Refuses a document too large to keep inline, telling the caller to pass an S3 reference.
 * @example
 * ```ts
 * assertInline('asl', asl, 'aslRef');
 * ```
 */
export function assertInline(field: string, value: unknown, refField: string): void {
  if (value === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > MAX_INLINE_BYTES) {
    throw new ValidationError(`${field} is ${bytes} bytes, over the ${MAX_INLINE_BYTES}-byte inline limit: store it in S3 and pass ${refField} instead`);
  }
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks it belongs to this very listing (so it cannot reach another tenant). */
function decodeCursor(cursor: string, pkName: string, pk: string): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('cursor is not one this API issued: pass the cursor of the previous page unchanged');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('cursor is not one this API issued: pass the cursor of the previous page unchanged');
  const key = parsed as Item;
  if (key[pkName] !== pk || !Object.values(key).every((v) => typeof v === 'string')) {
    throw new ValidationError('cursor belongs to another listing: pass the cursor of the previous page of this listing');
  }
  return key;
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`limit must be a positive integer, got ${String(limit)}`);
  return Math.min(limit, MAX_PAGE_SIZE);
}

export interface QueryPageInput {
  readonly tableName: string;
  /** The partition: `pk`, or `gsi1pk` when `index` is set. */
  readonly pk: string;
  readonly index?: typeof GSI1;
  /** Restricts the sort key to a prefix. */
  readonly skPrefix?: string;
  /** Restricts the sort key to a range (inclusive). */
  readonly skBetween?: readonly [string, string];
  /** Ascending sort-key order when true; newest-first listings pass false. */
  readonly forward: boolean;
  readonly page: PageRequest;
  readonly now?: Date;
  /** Reads the base table strongly consistent (GSIs cannot). */
  readonly consistent?: boolean;
}

/**
 * One page of a partition, expired items filtered out.
 * @example
 * ```ts
 * const { items, cursor } = await queryPage(doc, { tableName, pk, skPrefix: 'AGENT#', forward: true, page: {} });
 * ```
 */
export async function queryPage(db: DynamoDBDocumentClient, input: QueryPageInput): Promise<Page<Item>> {
  const pkName = input.index ? 'gsi1pk' : 'pk';
  const skName = input.index ? 'gsi1sk' : 'sk';
  const names: Record<string, string> = { '#pk': pkName, '#ttl': 'ttl' };
  const values: Item = { ':pk': input.pk, ':now': epochSeconds(input.now) };
  let condition = '#pk = :pk';
  if (input.skPrefix !== undefined) {
    names['#sk'] = skName;
    values[':skp'] = input.skPrefix;
    condition += ' AND begins_with(#sk, :skp)';
  } else if (input.skBetween) {
    names['#sk'] = skName;
    values[':sklo'] = input.skBetween[0];
    values[':skhi'] = input.skBetween[1];
    condition += ' AND #sk BETWEEN :sklo AND :skhi';
  }
  const res = await db.send(
    new QueryCommand({
      TableName: input.tableName,
      ...(input.index ? { IndexName: input.index } : { ConsistentRead: input.consistent ?? true }),
      KeyConditionExpression: condition,
      FilterExpression: 'attribute_not_exists(#ttl) OR #ttl > :now',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: input.forward,
      Limit: pageSize(input.page.limit),
      ...(input.page.cursor ? { ExclusiveStartKey: decodeCursor(input.page.cursor, pkName, input.pk) } : {}),
    }),
  );
  const last = res.LastEvaluatedKey;
  return { items: (res.Items ?? []) as Item[], ...(last ? { cursor: encodeCursor(last) } : {}) };
}

/**
 * Reads items by key (any number, in chunks of 100, retrying unprocessed keys), returned in the
 * order asked with missing or expired ones left out.
 * @example
 * ```ts
 * const items = await batchGet(doc, tableName, [keys.execution('t1', 'ex-1')]);
 * ```
 */
export async function batchGet(db: DynamoDBDocumentClient, tableName: string, wanted: ReadonlyArray<{ pk: string; sk: string }>, now: Date = new Date()): Promise<Item[]> {
  const found = new Map<string, Item>();
  // BatchGetItem refuses a request naming a key twice.
  const unique = [...new Map(wanted.map((k) => [`${k.pk}\u0000${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Item[] = unique.slice(i, i + 100);
    for (let round = 0; pending.length > 0; round++) {
      if (round > 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${round} rounds`);
      if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
      const res = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of res.Responses?.[tableName] ?? []) found.set(`${String(item.pk)}\u0000${String(item.sk)}`, item);
      pending = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return wanted.map((k) => found.get(`${k.pk}\u0000${k.sk}`)).filter((item): item is Item => isLive(item, now));
}

/**
 * Builds `SET a = :a, ... REMOVE b, ...` with placeholder names, skipping undefined values.
 * @example
 * ```ts
 * const u = updateExpression({ name: 'x', revision: 2 }, ['deletedAt']);
 * ```
 */
export function updateExpression(set: Item, remove: readonly string[] = []): { expression: string; names: Record<string, string>; values: Item } {
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets: string[] = [];
  let i = 0;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) continue;
    names[`#u${i}`] = k;
    values[`:u${i}`] = v;
    sets.push(`#u${i} = :u${i}`);
    i++;
  }
  const removes = remove.map((k) => {
    names[`#u${i}`] = k;
    return `#u${i++}`;
  });
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  return { expression, names, values };
}
