/**
 * Conformance of the local DynamoDB (LocalDynamo behind serveDynamo) with dynalite, the DynamoDB
 * stand-in the unit tests use as reference. Every scenario runs twice through the real AWS SDK v3
 * (the low-level client and the DocumentClient), once against each server, each time on a fresh
 * table of the same name with the Stepflow table's shape (pk/sk plus the gsi1 index), and both runs
 * must give the same record: returned items and attributes, Count/ScannedCount,
 * LastEvaluatedKey and, for failures, the error's name (not its message, which only has to be
 * non-empty).
 *
 * Left out because dynalite itself departs from DynamoDB there: deep equality of maps and lists in
 * conditions (dynalite compares them by reference), empty strings in index keys (dynalite accepts
 * them), string comparison in conditions (dynalite compares UTF-16, as its sort keys do not),
 * ReturnValues ALL_NEW on DeleteItem and ConsistentRead on a GSI Scan (dynalite accepts both), a
 * ProjectionExpression with Select COUNT (dynalite ignores it), size() of an empty string (dynalite:
 * no size), and REMOVE of several elements of one list (dynalite removes them one after the other,
 * shifting the later indexes; DynamoDB removes the elements the indexes name in the old list).
 *
 * Reserved words are the one known difference (the local DynamoDB does not check them): pinned by
 * the test of that name at the end.
 *
 * To work on scenarios without the local engine, run the candidate on dynalite too:
 * `CONFORMANCE_CANDIDATE=dynalite npx jest local/dynamodb/conformance.test.ts`.
 * `CONFORMANCE_PRINT=1` prints each scenario's reference record.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type NativeAttributeValue,
  type QueryCommandInput,
  type ScanCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { tableDefinition } from '../../functions/_shared/data/table-definition';
import { LocalDynamo } from './engine';
import { serveDynamo } from './server';

// ---------------------------------------------------------------------------------------------
// Targets

interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

interface Target {
  readonly label: string;
  start(): Promise<Running>;
}

const dynaliteTarget: Target = {
  label: 'dynalite',
  async start() {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  },
};

const localTarget: Target = {
  label: 'LocalDynamo',
  async start() {
    const db = await LocalDynamo.open();
    const server = await serveDynamo(db, { port: 0 });
    return {
      url: server.url,
      stop: async () => {
        await server.close();
        await db.close();
      },
    };
  },
};

const REFERENCE: Target = dynaliteTarget;
const CANDIDATE: Target = process.env.CONFORMANCE_CANDIDATE === 'dynalite' ? dynaliteTarget : localTarget;

interface Connected {
  readonly running: Running;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

async function connect(target: Target): Promise<Connected> {
  const running = await target.start();
  const client = new DynamoDBClient({ endpoint: running.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { running, client, doc };
}

// ---------------------------------------------------------------------------------------------
// Recording what happened

type Doc = Record<string, NativeAttributeValue>;
type Scenario = (doc: DynamoDBDocumentClient, client: DynamoDBClient, table: string) => Promise<unknown>;

interface ErrorSeen {
  readonly name: string;
  readonly message: string;
}

/** The errors the running scenario caught (one scenario runs at a time). */
let errorsSeen: ErrorSeen[] = [];

function failure(err: unknown): { error: string } {
  if (!(err instanceof Error)) throw err;
  errorsSeen.push({ name: err.name, message: err.message });
  return { error: err.name };
}

/** What a request gave: `pick` of its answer ('ok' by default), or `{ error: name }`. */
async function attempt<T>(request: Promise<T>, pick: (answer: T) => unknown = () => 'ok'): Promise<unknown> {
  try {
    return pick(await request);
  } catch (err) {
    return failure(err);
  }
}

function compareNormalized(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** JSON-able and order-free where DynamoDB promises no order: sets become sorted `{ set: [...] }`. */
function normalize(value: unknown): unknown {
  if (value instanceof Set) return { set: [...value].map(normalize).sort(compareNormalized) };
  if (value instanceof Uint8Array) return { binary: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && k !== '$metadata') out[k] = normalize(v);
    return out;
  }
  return value;
}

/** A low-level AttributeValue (tree) with its set members sorted. */
function normalizeRaw(value: AttributeValue | Record<string, AttributeValue> | undefined): unknown {
  if (value === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value) as Array<[string, unknown]>) {
    if (v === undefined) continue;
    if ((k === 'SS' || k === 'NS') && Array.isArray(v)) out[k] = [...(v as string[])].sort();
    else if (k === 'M' && v !== null && typeof v === 'object') out[k] = normalizeRaw(v as Record<string, AttributeValue>);
    else if (k === 'L' && Array.isArray(v)) out[k] = (v as AttributeValue[]).map((e) => normalizeRaw(e));
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = normalizeRaw(v as AttributeValue);
    else out[k] = v;
  }
  return out;
}

const brief = (v: unknown): string => {
  const text = v === undefined ? 'nothing' : JSON.stringify(v);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
};

/** Where two normalized records differ, as `path: expected ... got ...` lines (for readable failures). */
function differences(expected: unknown, actual: unknown, path = '$'): string[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out = expected.length === actual.length ? [] : [`${path}: expected ${expected.length} elements, got ${actual.length}`];
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (i >= expected.length || i >= actual.length) out.push(`${path}[${i}]: expected ${brief(expected[i])}, got ${brief(actual[i])}`);
      else out.push(...differences(expected[i], actual[i], `${path}[${i}]`));
    }
    return out;
  }
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isRecord(expected) && isRecord(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => differences(expected[k], actual[k], `${path}.${k}`));
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${path}: expected ${brief(expected)}, got ${brief(actual)}`];
}

const bySk = (a: Doc, b: Doc): number => compareNormalized(`${String(a.pk)} ${String(a.sk)}`, `${String(b.pk)} ${String(b.sk)}`);

// ---------------------------------------------------------------------------------------------
// Helpers for scenarios

async function seed(doc: DynamoDBDocumentClient, table: string, items: readonly Doc[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error('seed: unprocessed items');
  }
}

async function read(doc: DynamoDBDocumentClient, table: string, key: Doc): Promise<unknown> {
  const out = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return out.Item ?? 'absent';
}

interface PageAnswer {
  readonly Items?: Doc[];
  readonly Count?: number;
  readonly ScannedCount?: number;
  readonly LastEvaluatedKey?: Doc;
}

const page = (r: PageAnswer) => ({ Items: r.Items, Count: r.Count, ScannedCount: r.ScannedCount, LastEvaluatedKey: r.LastEvaluatedKey });

/** Every page until no LastEvaluatedKey (at most 30), or the error. */
async function allPages(fetch: (start: Doc | undefined) => Promise<PageAnswer>): Promise<unknown> {
  const pages: unknown[] = [];
  let start: Doc | undefined;
  try {
    do {
      const r = await fetch(start);
      pages.push(page(r));
      start = r.LastEvaluatedKey;
    } while (start && pages.length < 30);
  } catch (err) {
    pages.push(failure(err));
  }
  return pages;
}

const queryPages = (doc: DynamoDBDocumentClient, input: QueryCommandInput) => allPages((start) => doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
const query = (doc: DynamoDBDocumentClient, input: QueryCommandInput) => attempt(doc.send(new QueryCommand(input)), page);
const scanPages = (doc: DynamoDBDocumentClient, input: ScanCommandInput) => allPages((start) => doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));

/** Scan order across partitions is the server's own: every page's size, and all items sorted. */
async function scanUnordered(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<unknown> {
  const items: Doc[] = [];
  const pages: Array<{ Count?: number; ScannedCount?: number; more: boolean }> = [];
  let start: Doc | undefined;
  try {
    do {
      const r = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(r.Items ?? []));
      pages.push({ Count: r.Count, ScannedCount: r.ScannedCount, more: r.LastEvaluatedKey !== undefined });
      start = r.LastEvaluatedKey;
    } while (start && pages.length < 30);
  } catch (err) {
    return failure(err);
  }
  return { pages, items: items.sort(bySk) };
}

const update = (doc: DynamoDBDocumentClient, input: UpdateCommandInput) => attempt(doc.send(new UpdateCommand(input)), (r) => r.Attributes ?? 'no attributes');

/** Each update in turn on the same item, then the item. */
async function updates(doc: DynamoDBDocumentClient, table: string, item: Doc, steps: ReadonlyArray<Omit<UpdateCommandInput, 'TableName' | 'Key'>>): Promise<unknown> {
  const key = { pk: item.pk, sk: item.sk };
  await doc.send(new PutCommand({ TableName: table, Item: item }));
  const out: Record<string, unknown> = {};
  for (const [i, step] of steps.entries()) out[`${i}: ${step.UpdateExpression ?? ''}`] = await update(doc, { TableName: table, Key: key, ReturnValues: 'ALL_NEW', ...step });
  out.final = await read(doc, table, key);
  return out;
}

interface Check {
  readonly expr: string;
  readonly values?: Doc;
  readonly names?: Record<string, string>;
}

/**
 * Each condition guards a put of the item with `hits` set to the check's number: 'pass' or the
 * error, and at the end the item (whose `hits` is the last check that passed).
 */
async function conditions(doc: DynamoDBDocumentClient, table: string, item: Doc, checks: readonly Check[]): Promise<unknown> {
  await doc.send(new PutCommand({ TableName: table, Item: { ...item, hits: 0 } }));
  const out: Record<string, unknown> = {};
  for (const [i, c] of checks.entries()) {
    const put = new PutCommand({ TableName: table, Item: { ...item, hits: i + 1 }, ConditionExpression: c.expr, ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values });
    out[`${i + 1}: ${c.expr} ${JSON.stringify(normalize(c.values) ?? {})}`] = await attempt(doc.send(put), () => 'pass');
  }
  const final = await doc.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }));
  out.final = final.Item;
  return out;
}

function describeShape(t: TableDescription | undefined, withStatus = true): unknown {
  if (!t) return 'no table';
  return {
    TableName: t.TableName,
    ...(withStatus ? { TableStatus: t.TableStatus } : {}),
    KeySchema: t.KeySchema,
    AttributeDefinitions: t.AttributeDefinitions,
    BillingMode: t.BillingModeSummary?.BillingMode,
    GlobalSecondaryIndexes: t.GlobalSecondaryIndexes?.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ...(withStatus ? { IndexStatus: g.IndexStatus } : {}) })),
    LocalSecondaryIndexes: t.LocalSecondaryIndexes?.map((l) => ({ IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection })),
  };
}

async function allTableNames(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start);
  return names;
}

const numericTable = (name: string): CreateTableCommandInput => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'n', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'n', AttributeType: 'N' },
  ],
});

// ---------------------------------------------------------------------------------------------
// Fixtures

const pad = (i: number) => String(i).padStart(2, '0');
const P = 'TENANT#t1';

/** Partition P: a#01..a#12 (even ones in gsi1 under G, gsi1sk descending), b#01..b#03; OTHER: index edge cases. */
const queryItems: Doc[] = [
  ...Array.from({ length: 12 }, (_, k) => {
    const i = k + 1;
    return { pk: P, sk: `a#${pad(i)}`, n: i, odd: i % 2 === 1, ...(i % 2 === 0 ? { gsi1pk: 'G', gsi1sk: `g#${pad(20 - i)}` } : {}) };
  }),
  ...[1, 2, 3].map((i) => ({ pk: P, sk: `b#${pad(i)}`, n: 100 + i })),
  { pk: 'OTHER', sk: 'a#01', n: 1, gsi1pk: 'G', gsi1sk: 'g#00' },
  { pk: 'OTHER', sk: 'a#02', n: 2, gsi1pk: 'G' },
  { pk: 'OTHER', sk: 'a#03', n: 3, gsi1sk: 'g#99' },
  { pk: 'OTHER', sk: 'a#04', n: 4, gsi1pk: 'H', gsi1sk: 'g#01' },
];

const scanItems: Doc[] = ['S#1', 'S#2', 'S#3', 'S#4', 'S#5'].flatMap((pk, p) => [1, 2, 3].map((i) => ({ pk, sk: `i#${i}`, n: p * 3 + i, even: (p * 3 + i) % 2 === 0 })));

const richItem = (): Doc => ({
  pk: 'ITEM#1',
  sk: 'PROFILE',
  s: 'hello world',
  empty: '',
  unicode: 'zoë 😀 日本',
  whole: 42,
  zero: 0,
  neg: -17,
  dec: 3.14159,
  negDec: -0.5,
  big: 12345678901234,
  tiny: 0.000001,
  t: true,
  f: false,
  nul: null,
  m: { a: { b: 'deep', c: [1, 'two', { three: 3 }] }, x: 1, empty: {} },
  l: ['zero', 1, { k: 'v' }, [2, 3], null, true],
  emptyList: [],
  ss: new Set(['b', 'a', 'c']),
  ns: new Set([3, 1, 2.5, -4]),
  bin: new Uint8Array([0, 1, 2, 255]),
  bs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
});

const condItem: Doc = {
  pk: 'C',
  sk: 'item',
  s: 'hello world',
  n: 42,
  ten: 10,
  sten: '10',
  frac: 3.25,
  neg: -7,
  t: true,
  nul: null,
  blank: '',
  m: { a: { b: 'deep' }, x: 1 },
  l: ['zero', 1, { k: 'v' }],
  ss: new Set(['a', 'b']),
  ns: new Set([1, 2, 3]),
  tags: ['red', 'green'],
  phase: 'open',
};

const updItem: Doc = {
  pk: 'U',
  sk: 'item',
  a: 'old',
  n: 1,
  neg: -1,
  frac: 0.1,
  s: 'text',
  l: ['x', 'y', 'z'],
  l2: ['b'],
  m: { a: { b: 'deep' }, x: 1 },
  ss: new Set(['a', 'b']),
  ns: new Set([1, 2]),
  gone: 'bye',
  keep: 'k',
};

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Named {
  readonly name: string;
  readonly run: Scenario;
}

const tables: Named[] = [
  {
    name: 'CreateTable with a GSI, then DescribeTable',
    run: async (_doc, client, table) => {
      const name = `${table}-x`;
      const created = await attempt(client.send(new CreateTableCommand(tableDefinition(name))), (r) => describeShape(r.TableDescription, false));
      const described = await attempt(client.send(new DescribeTableCommand({ TableName: name })), (r) => describeShape(r.Table));
      const harness = await attempt(client.send(new DescribeTableCommand({ TableName: table })), (r) => describeShape(r.Table));
      return { created, described, harness };
    },
  },
  {
    name: 'CreateTable with a numeric sort key',
    run: async (_doc, client, table) => ({
      created: await attempt(client.send(new CreateTableCommand(numericTable(`${table}-n`))), (r) => describeShape(r.TableDescription, false)),
      described: await attempt(client.send(new DescribeTableCommand({ TableName: `${table}-n` })), (r) => describeShape(r.Table)),
    }),
  },
  {
    name: 'ListTables contains a table until DeleteTable',
    run: async (_doc, client, table) => {
      const before = (await allTableNames(client)).includes(table);
      const deleted = await attempt(client.send(new DeleteTableCommand({ TableName: table })), (r) => ({ TableName: r.TableDescription?.TableName }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const after = (await allTableNames(client)).includes(table);
      const describe = await attempt(client.send(new DescribeTableCommand({ TableName: table })));
      const again = await attempt(client.send(new DeleteTableCommand({ TableName: table })));
      return { before, deleted, after, describe, again };
    },
  },
  {
    name: 'CreateTable of an existing table, and invalid definitions',
    run: async (_doc, client, table) => {
      const def = tableDefinition(table);
      const gsi = def.GlobalSecondaryIndexes ?? [];
      const attrs = def.AttributeDefinitions ?? [];
      return {
        existing: await attempt(client.send(new CreateTableCommand(def))),
        missingDefinition: await attempt(client.send(new CreateTableCommand({ ...tableDefinition(`${table}-a`), AttributeDefinitions: attrs.filter((a) => a.AttributeName !== 'gsi1sk') }))),
        duplicateIndex: await attempt(client.send(new CreateTableCommand({ ...tableDefinition(`${table}-c`), GlobalSecondaryIndexes: [...gsi, ...gsi] }))),
        neitherCreated: (await allTableNames(client)).filter((n) => n.startsWith(`${table}-`)),
      };
    },
  },
  {
    name: 'operations on a missing table give ResourceNotFoundException',
    run: async (doc, client, table) => {
      const TableName = `${table}-missing`;
      const Key = { pk: 'a', sk: 'b' };
      return {
        describe: await attempt(client.send(new DescribeTableCommand({ TableName }))),
        deleteTable: await attempt(client.send(new DeleteTableCommand({ TableName }))),
        get: await attempt(doc.send(new GetCommand({ TableName, Key }))),
        put: await attempt(doc.send(new PutCommand({ TableName, Item: Key }))),
        update: await attempt(doc.send(new UpdateCommand({ TableName, Key, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } }))),
        delete: await attempt(doc.send(new DeleteCommand({ TableName, Key }))),
        query: await attempt(doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'a' } }))),
        scan: await attempt(doc.send(new ScanCommand({ TableName }))),
        batchGet: await attempt(doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [Key] } } }))),
        batchWrite: await attempt(doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [{ PutRequest: { Item: Key } }] } }))),
      };
    },
  },
];

const items: Named[] = [
  {
    name: 'PutItem/GetItem round trip of every type',
    run: async (doc, _client, table) => {
      const item = richItem();
      const put = await attempt(doc.send(new PutCommand({ TableName: table, Item: item })), (r) => r.Attributes ?? 'no attributes');
      const key = { pk: item.pk, sk: item.sk };
      return {
        put,
        get: await attempt(doc.send(new GetCommand({ TableName: table, Key: key })), (r) => r.Item),
        consistent: await attempt(doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })), (r) => r.Item),
      };
    },
  },
  {
    name: 'numbers are normalized, kept exact to 38 digits, and compared numerically',
    run: async (_doc, client, table) => {
      const Item: Record<string, AttributeValue> = {
        pk: { S: 'NUM' },
        sk: { S: 'x' },
        a: { N: '1.500' },
        b: { N: '0010' },
        c: { N: '-0.0' },
        d: { N: '1E3' },
        e: { N: '0.000001' },
        f: { N: '-12.30' },
        g: { N: '12345678901234567890123456789012345678' },
        h: { N: '1.2e-10' },
        ns: { NS: ['1', '1.0E1', '-3.50'] },
        l: { L: [{ N: '.5' }, { N: '-0' }] },
      };
      const put = await attempt(client.send(new PutItemCommand({ TableName: table, Item })));
      const add = await attempt(
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: 'NUM' }, sk: { S: 'x' } },
            UpdateExpression: 'SET g = g + :one, a = a - :tenth, summed = :x + :y',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':tenth': { N: '0.1' }, ':x': { N: '0.1' }, ':y': { N: '0.2' } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
        (r) => normalizeRaw(r.Attributes),
      );
      const got = await attempt(client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'NUM' }, sk: { S: 'x' } }, ConsistentRead: true })), (r) => normalizeRaw(r.Item));
      const invalid = {
        notANumber: await attempt(client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'NUM' }, sk: { S: 'y' }, n: { N: 'abc' } } }))),
        tooPrecise: await attempt(client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'NUM' }, sk: { S: 'y' }, n: { N: '1.23456789012345678901234567890123456789' } } }))),
        tooLarge: await attempt(client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'NUM' }, sk: { S: 'y' }, n: { N: '1E126' } } }))),
      };
      return { put, add, got, invalid };
    },
  },
  {
    name: 'GetItem of a missing key, and invalid keys',
    run: async (doc, _client, table) => {
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'K', sk: 'one', v: 1 } }));
      const get = (Key: Doc) => attempt(doc.send(new GetCommand({ TableName: table, Key })), (r) => r.Item ?? 'absent');
      return {
        missing: await get({ pk: 'K', sk: 'two' }),
        missingPartition: await get({ pk: 'nope', sk: 'one' }),
        withoutSortKey: await get({ pk: 'K' }),
        extraAttribute: await get({ pk: 'K', sk: 'one', v: 1 }),
        wrongType: await get({ pk: 'K', sk: 1 }),
        emptyString: await get({ pk: 'K', sk: '' }),
        projectedMissing: await attempt(doc.send(new GetCommand({ TableName: table, Key: { pk: 'K', sk: 'one' }, ProjectionExpression: 'nope' })), (r) => r.Item ?? 'absent'),
      };
    },
  },
  {
    name: 'GetItem ProjectionExpression with #names, nested paths and list elements',
    run: async (doc, _client, table) => {
      const item = richItem();
      await doc.send(new PutCommand({ TableName: table, Item: item }));
      const Key = { pk: item.pk, sk: item.sk };
      const projections: Array<[string, Record<string, string>?]> = [
        ['s, whole'],
        ['#s, m.a.b', { '#s': 's' }],
        ['l[1], l[3][0], l[2].k'],
        ['m.a.c[2].three, m.x'],
        ['#m.#a.#c[1]', { '#m': 'm', '#a': 'a', '#c': 'c' }],
        ['absent, m.nope, l[9]'],
        ['ss, ns, bin, nul, t'],
        ['m.a, m.a.b'],
        ['s, s'],
        ['#nope', { '#nope': 'nope', '#unused': 'x' }],
        ['pk, #t', {}],
        ['l[-1]'],
      ];
      const out: Record<string, unknown> = {};
      for (const [ProjectionExpression, names] of projections) {
        out[ProjectionExpression] = await attempt(doc.send(new GetCommand({ TableName: table, Key, ProjectionExpression, ExpressionAttributeNames: names })), (r) => r.Item ?? 'absent');
      }
      return out;
    },
  },
  {
    name: 'PutItem replaces the whole item; ReturnValues ALL_OLD',
    run: async (doc, _client, table) => {
      const Key = { pk: 'R', sk: 'x' };
      const first = await attempt(doc.send(new PutCommand({ TableName: table, Item: { ...Key, a: 1, b: 'keep?' }, ReturnValues: 'ALL_OLD' })), (r) => r.Attributes ?? 'no attributes');
      const second = await attempt(doc.send(new PutCommand({ TableName: table, Item: { ...Key, c: 3 }, ReturnValues: 'ALL_OLD' })), (r) => r.Attributes ?? 'no attributes');
      const none = await attempt(doc.send(new PutCommand({ TableName: table, Item: { ...Key, d: 4 }, ReturnValues: 'NONE' })), (r) => r.Attributes ?? 'no attributes');
      const allNew = await attempt(doc.send(new PutCommand({ TableName: table, Item: { ...Key, e: 5 }, ReturnValues: 'ALL_NEW' })), (r) => r.Attributes ?? 'no attributes');
      return { first, second, none, allNew, final: await read(doc, table, Key) };
    },
  },
  {
    name: 'empty strings: refused in keys, kept elsewhere',
    run: async (doc, _client, table) => {
      const put = (Item: Doc) => attempt(doc.send(new PutCommand({ TableName: table, Item })));
      return {
        emptyPk: await put({ pk: '', sk: 'x' }),
        emptySk: await put({ pk: 'E', sk: '' }),
        emptyAttribute: await put({ pk: 'E', sk: 'attr', s: '', m: { e: '' }, l: [''] }),
        missingSk: await put({ pk: 'E' }),
        missingPk: await put({ sk: 'x' }),
        wrongKeyType: await put({ pk: 1, sk: 'x' }),
        stored: await read(doc, table, { pk: 'E', sk: 'attr' }),
        scanned: await scanUnordered(doc, { TableName: table }),
      };
    },
  },
  {
    name: 'index key attributes must have the declared type',
    run: async (doc, _client, table) => {
      const put = (Item: Doc) => attempt(doc.send(new PutCommand({ TableName: table, Item })));
      return {
        numberIndexKey: await put({ pk: 'T', sk: 'a', gsi1pk: 5, gsi1sk: 'x' }),
        listIndexKey: await put({ pk: 'T', sk: 'b', gsi1pk: 'G', gsi1sk: ['x'] }),
        onlyHash: await put({ pk: 'T', sk: 'c', gsi1pk: 'G' }),
        updateToNumber: await attempt(doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'T', sk: 'c' }, UpdateExpression: 'SET gsi1sk = :n', ExpressionAttributeValues: { ':n': 1 } }))),
        scan: await scanUnordered(doc, { TableName: table }),
      };
    },
  },
  {
    name: 'invalid attribute values: empty and duplicate sets, NULL false',
    run: async (_doc, client, table) => {
      const put = (extra: Record<string, AttributeValue>) => attempt(client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'V' }, sk: { S: 'x' }, ...extra } })));
      return {
        emptySS: await put({ a: { SS: [] } }),
        emptyNS: await put({ a: { NS: [] } }),
        duplicateSS: await put({ a: { SS: ['x', 'x'] } }),
        duplicateNS: await put({ a: { NS: ['1', '1.0'] } }),
        nullFalse: await put({ a: { NULL: false } }),
        nestedEmptySet: await put({ a: { M: { b: { SS: [] } } } }),
        ok: await put({ a: { SS: ['x', 'y'] } }),
      };
    },
  },
  {
    name: 'items over 400 KB are refused',
    run: async (doc, _client, table) => {
      // pk 'P' + sk 'S' + name 'big' = 9 bytes besides the value.
      const limit = 400 * 1024;
      const put = (sk: string, size: number) => attempt(doc.send(new PutCommand({ TableName: table, Item: { pk: 'P', sk, big: 'x'.repeat(size - 9) } })));
      const under = await put('S', limit - 1000);
      const over = await put('S', limit + 10);
      const wayOver = await put('T', limit * 2);
      const grow = await attempt(doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'P', sk: 'S' }, UpdateExpression: 'SET more = :v', ExpressionAttributeValues: { ':v': 'y'.repeat(2000) } })));
      const stored = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'P', sk: 'S' }, ConsistentRead: true }));
      return { under, over, wayOver, grow, storedLength: String(stored.Item?.big ?? '').length, storedMore: stored.Item?.more !== undefined, T: await read(doc, table, { pk: 'P', sk: 'T' }) };
    },
  },
];

const conditionScenarios: Named[] = [
  {
    name: 'conditions: attribute_exists / attribute_not_exists',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'attribute_exists(pk)' },
        { expr: 'attribute_not_exists(pk)' },
        { expr: 'attribute_exists(m.a.b)' },
        { expr: 'attribute_exists(m.zz)' },
        { expr: 'attribute_not_exists(nope)' },
        { expr: 'attribute_exists(l[1])' },
        { expr: 'attribute_exists(l[9])' },
        { expr: 'attribute_exists(#s)', names: { '#s': 's' } },
        { expr: 'attribute_exists(nul)' },
        { expr: 'attribute_exists(blank)' },
        { expr: 'attribute_not_exists(m.a.b.c)' },
        { expr: 'attribute_not_exists(s[0])' },
      ]),
  },
  {
    name: 'conditions on a missing item',
    run: async (doc, _client, table) => {
      const put = (sk: string, ConditionExpression: string, values?: Doc) => attempt(doc.send(new PutCommand({ TableName: table, Item: { pk: 'NEW', sk }, ConditionExpression, ExpressionAttributeValues: values })), () => 'pass');
      return {
        notExists: await put('a', 'attribute_not_exists(pk)'),
        exists: await put('b', 'attribute_exists(pk)'),
        equals: await put('c', 'n = :v', { ':v': 1 }),
        notEquals: await put('d', 'n <> :v', { ':v': 1 }),
        notExistsOr: await put('e', 'attribute_not_exists(pk) OR n = :v', { ':v': 1 }),
        notOf: await put('f', 'NOT contains(s, :v)', { ':v': 'x' }),
        sizeOf: await put('g', 'size(l) < :v', { ':v': 3 }),
        stored: await scanUnordered(doc, { TableName: table }),
      };
    },
  },
  {
    name: 'conditions: comparisons (=, <>, <, <=, >, >=) of numbers, strings, maps, lists, sets',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'n = :v', values: { ':v': 42 } },
        { expr: 'n <> :v', values: { ':v': 42 } },
        { expr: 'n < :v', values: { ':v': 50 } },
        { expr: 'n <= :v', values: { ':v': 42 } },
        { expr: 'n > :v', values: { ':v': 42 } },
        { expr: 'n >= :v', values: { ':v': 43 } },
        { expr: 'ten > :v', values: { ':v': 9 } },
        { expr: 'sten > :v', values: { ':v': '9' } },
        { expr: 'frac > :v', values: { ':v': 3 } },
        { expr: 'frac < :v', values: { ':v': 3.3 } },
        { expr: 'neg < :v', values: { ':v': 0 } },
        { expr: 'neg > :v', values: { ':v': -10 } },
        { expr: 'n = :v', values: { ':v': '42' } },
        { expr: 'n <> :v', values: { ':v': '42' } },
        { expr: 'n < :v', values: { ':v': '50' } },
        { expr: 'nope = :v', values: { ':v': 1 } },
        { expr: 'nope <> :v', values: { ':v': 1 } },
        { expr: 's < :v', values: { ':v': 'help' } },
        { expr: 's >= :v', values: { ':v': 'Hello' } },
        { expr: 'ss = :v', values: { ':v': new Set(['b', 'a']) } },
        { expr: 't = :v', values: { ':v': true } },
        { expr: 'nul = :v', values: { ':v': null } },
        { expr: 'blank = :v', values: { ':v': '' } },
        { expr: 'n = n' },
        { expr: 'ten < n' },
        { expr: 'm.a.b = :v', values: { ':v': 'deep' } },
        { expr: 'l[2].k = :v', values: { ':v': 'v' } },
      ]),
  },
  {
    name: 'conditions: BETWEEN and IN',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'n BETWEEN :lo AND :hi', values: { ':lo': 40, ':hi': 50 } },
        { expr: 'n BETWEEN :lo AND :hi', values: { ':lo': 43, ':hi': 50 } },
        { expr: 'n BETWEEN :lo AND :hi', values: { ':lo': 42, ':hi': 42 } },
        { expr: 'ten BETWEEN :lo AND :hi', values: { ':lo': 9, ':hi': 11 } },
        { expr: 's BETWEEN :lo AND :hi', values: { ':lo': 'a', ':hi': 'z' } },
        { expr: 'n BETWEEN :lo AND :hi', values: { ':lo': '1', ':hi': '9' } },
        { expr: 'nope BETWEEN :lo AND :hi', values: { ':lo': 1, ':hi': 2 } },
        { expr: 'n IN (:a, :b)', values: { ':a': 1, ':b': 42 } },
        { expr: 'n IN (:a, :b)', values: { ':a': 1, ':b': 2 } },
        { expr: 'n IN (:a)', values: { ':a': 42 } },
        { expr: 'n IN (:a, :b)', values: { ':a': '42', ':b': 41 } },
        { expr: 'phase IN (:a, :b, :c)', values: { ':a': 'closed', ':b': 'open', ':c': 'gone' } },
        { expr: 'nope IN (:a)', values: { ':a': 1 } },
        { expr: 'NOT n IN (:a, :b)', values: { ':a': 1, ':b': 2 } },
      ]),
  },
  {
    name: 'conditions: AND / OR / NOT with parentheses and precedence',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'attribute_exists(pk) AND n = :a', values: { ':a': 42 } },
        { expr: 'n = :a OR n = :b', values: { ':a': 1, ':b': 42 } },
        { expr: 'n = :a OR n = :b AND s = :c', values: { ':a': 42, ':b': 1, ':c': 'nope' } },
        { expr: '(n = :a OR n = :b) AND s = :c', values: { ':a': 42, ':b': 1, ':c': 'nope' } },
        { expr: 'NOT n = :a', values: { ':a': 42 } },
        { expr: 'NOT n = :a AND s = :c', values: { ':a': 1, ':c': 'nope' } },
        { expr: 'NOT (n = :a AND s = :c)', values: { ':a': 1, ':c': 'nope' } },
        { expr: '((n = :a)) AND (attribute_not_exists(nope) OR n = :b)', values: { ':a': 42, ':b': 1 } },
        { expr: 'n = :a AND NOT attribute_exists(nope) AND NOT (s = :c OR s = :d)', values: { ':a': 42, ':c': 'x', ':d': 'y' } },
        { expr: 'n = :a and not s = :c or ten = :b', values: { ':a': 1, ':b': 10, ':c': 'x' } },
        { expr: 'n between :lo and :hi', values: { ':lo': 1, ':hi': 50 } },
        { expr: 'attribute_not_exists(pk) OR ten < :a AND n > :b', values: { ':a': 11, ':b': 41 } },
      ]),
  },
  {
    name: 'conditions: begins_with, contains, size, attribute_type',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'begins_with(s, :v)', values: { ':v': 'hell' } },
        { expr: 'begins_with(s, :v)', values: { ':v': 'world' } },
        { expr: 'begins_with(n, :v)', values: { ':v': '4' } },
        { expr: 'begins_with(m.a.b, :v)', values: { ':v': 'de' } },
        { expr: 'contains(s, :v)', values: { ':v': 'o w' } },
        { expr: 'contains(s, :v)', values: { ':v': 'xyz' } },
        { expr: 'contains(ss, :v)', values: { ':v': 'a' } },
        { expr: 'contains(ss, :v)', values: { ':v': 'c' } },
        { expr: 'contains(ns, :v)', values: { ':v': 2 } },
        { expr: 'contains(l, :v)', values: { ':v': 'zero' } },
        { expr: 'contains(l, :v)', values: { ':v': 1 } },
        { expr: 'contains(tags, :v)', values: { ':v': 'blue' } },
        { expr: 'contains(n, :v)', values: { ':v': '4' } },
        { expr: 'contains(nope, :v)', values: { ':v': 'a' } },
        { expr: 'size(s) = :v', values: { ':v': 11 } },
        { expr: 'size(l) = :v', values: { ':v': 3 } },
        { expr: 'size(m) = :v', values: { ':v': 2 } },
        { expr: 'size(ss) = :v', values: { ':v': 2 } },
        { expr: 'size(ns) > :v', values: { ':v': 2 } },
        { expr: 'size(nope) = :v', values: { ':v': 0 } },
        { expr: 'size(nope) <> :v', values: { ':v': 0 } },
        { expr: 'size(s) > size(l)' },
        { expr: 'attribute_type(n, :v)', values: { ':v': 'N' } },
        { expr: 'attribute_type(ss, :v)', values: { ':v': 'SS' } },
        { expr: 'attribute_type(ns, :v)', values: { ':v': 'NS' } },
        { expr: 'attribute_type(m, :v)', values: { ':v': 'M' } },
        { expr: 'attribute_type(l, :v)', values: { ':v': 'L' } },
        { expr: 'attribute_type(nul, :v)', values: { ':v': 'NULL' } },
        { expr: 'attribute_type(t, :v)', values: { ':v': 'BOOL' } },
        { expr: 'attribute_type(s, :v)', values: { ':v': 'N' } },
        { expr: 'attribute_type(nope, :v)', values: { ':v': 'S' } },
      ]),
  },
  {
    name: 'conditions: #name and :value placeholders',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: '#ph = :v', names: { '#ph': 'phase' }, values: { ':v': 'open' } },
        { expr: '#m.#a.#b = :v', names: { '#m': 'm', '#a': 'a', '#b': 'b' }, values: { ':v': 'deep' } },
        { expr: '#l[0] = :v', names: { '#l': 'l' }, values: { ':v': 'zero' } },
        { expr: 'attribute_exists(#dotted)', names: { '#dotted': 'm.a' } },
        { expr: '#n = :n AND #n < :big', names: { '#n': 'n' }, values: { ':n': 42, ':big': 100 } },
        { expr: ':v = :v', values: { ':v': 1 } },
        { expr: 'n = :x_1 AND s = :A', values: { ':x_1': 42, ':A': 'hello world' } },
      ]),
  },
  {
    name: 'conditions: invalid expressions and placeholders are ValidationException',
    run: (doc, _client, table) =>
      conditions(doc, table, condItem, [
        { expr: 'n = :v', values: { ':v': 42, ':unused': 2 } },
        { expr: 'n = :v', names: { '#unused': 'x' }, values: { ':v': 42 } },
        { expr: 'n = :missing' },
        { expr: '#missing = :v', values: { ':v': 42 } },
        { expr: 'n = = :v', values: { ':v': 42 } },
        { expr: 'foo(n)' },
        { expr: 'n' },
        { expr: 'size(n)' },
        { expr: 'begins_with(s)' },
        { expr: 'attribute_exists(:v)', values: { ':v': 'x' } },
        { expr: 'n BETWEEN :hi AND :lo', values: { ':lo': 1, ':hi': 50 } },
        { expr: 'attribute_type(n, :v)', values: { ':v': 'X' } },
        { expr: 'n IN ()' },
        { expr: '(n = :v', values: { ':v': 42 } },
        { expr: 'n = :v)', values: { ':v': 42 } },
        { expr: '' },
      ]),
  },
  {
    name: 'conditions: reserved words through #name placeholders',
    run: (doc, _client, table) =>
      conditions(doc, table, { ...condItem, status: 'open', name: 'x' }, [
        { expr: '#status = :v AND attribute_exists(#name)', names: { '#status': 'status', '#name': 'name' }, values: { ':v': 'open' } },
        { expr: 'attribute_exists(m.#size)', names: { '#size': 'size' } },
      ]),
  },
  {
    name: 'failed conditions leave the item unchanged (PutItem, UpdateItem, DeleteItem)',
    run: async (doc, _client, table) => {
      const Key = { pk: condItem.pk, sk: condItem.sk };
      await doc.send(new PutCommand({ TableName: table, Item: condItem }));
      const cond = { ConditionExpression: 'n = :v', ExpressionAttributeValues: { ':v': 1 } };
      return {
        put: await attempt(doc.send(new PutCommand({ TableName: table, Item: { ...Key, replaced: true }, ...cond }))),
        update: await attempt(doc.send(new UpdateCommand({ TableName: table, Key, UpdateExpression: 'SET n = :v REMOVE s', ...cond }))),
        delete: await attempt(doc.send(new DeleteCommand({ TableName: table, Key, ...cond }))),
        item: await read(doc, table, Key),
      };
    },
  },
];

const updateScenarios: Named[] = [
  {
    name: 'UpdateItem ReturnValues NONE / ALL_OLD / ALL_NEW / UPDATED_OLD / UPDATED_NEW',
    run: async (doc, _client, table) => {
      const out: Record<string, unknown> = {};
      for (const rv of [undefined, 'NONE', 'ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW'] as const) {
        const Key = { pk: 'RV', sk: rv ?? 'default' };
        await doc.send(new PutCommand({ TableName: table, Item: { ...Key, a: 'old', n: 1, gone: 'x', keep: 'k', m: { x: 1, y: 2 }, ss: new Set(['a']) } }));
        out[rv ?? 'default'] = await update(doc, {
          TableName: table,
          Key,
          UpdateExpression: 'SET a = :a, n = n + :one, m.x = :two, added = :new REMOVE gone ADD ss :b',
          ExpressionAttributeValues: { ':a': 'new', ':one': 1, ':two': 2, ':new': 'fresh', ':b': new Set(['b']) },
          ReturnValues: rv,
        });
      }
      out.missingItemAllOld = await update(doc, { TableName: table, Key: { pk: 'RV', sk: 'missing' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 }, ReturnValues: 'ALL_OLD' });
      out.missingItemUpdatedOld = await update(doc, { TableName: table, Key: { pk: 'RV', sk: 'missing2' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 }, ReturnValues: 'UPDATED_OLD' });
      return out;
    },
  },
  {
    name: 'UpdateItem SET arithmetic (+, -) on numbers, exact decimals, against the old item',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET n = n + :one, neg = neg - :five, frac = frac + :dec, c = :ten - n, d = :a + :b', ExpressionAttributeValues: { ':one': 1, ':five': 5, ':dec': 0.2, ':ten': 10, ':a': 2, ':b': 3 } },
        { UpdateExpression: 'SET x = nope + :one', ExpressionAttributeValues: { ':one': 1 } },
        { UpdateExpression: 'SET x = s + :one', ExpressionAttributeValues: { ':one': 1 } },
        { UpdateExpression: 'SET x = n + :str', ExpressionAttributeValues: { ':str': '1' } },
        { UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 'plain' } },
        { UpdateExpression: 'SET dup = m, n2 = n' },
      ]),
  },
  {
    name: 'UpdateItem if_not_exists',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET a = if_not_exists(a, :d), b = if_not_exists(b, :d), cnt = if_not_exists(cnt, :zero) + :one, m.x = if_not_exists(m.x, :d), m.y = if_not_exists(m.y, :d)', ExpressionAttributeValues: { ':d': 'default', ':zero': 0, ':one': 1 } },
        { UpdateExpression: 'SET cnt = if_not_exists(cnt, :zero) + :one', ExpressionAttributeValues: { ':zero': 0, ':one': 1 } },
        { UpdateExpression: 'SET x = if_not_exists(:d, a)', ExpressionAttributeValues: { ':d': 'default' } },
      ]),
  },
  {
    name: 'UpdateItem list_append',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET l = list_append(l, :tail), l2 = list_append(:head, l2), l3 = list_append(if_not_exists(l3, :empty), :tail)', ExpressionAttributeValues: { ':tail': ['t1', 't2'], ':head': ['h'], ':empty': [] } },
        { UpdateExpression: 'SET s = list_append(s, :tail)', ExpressionAttributeValues: { ':tail': ['t'] } },
        { UpdateExpression: 'SET x = list_append(nope, :tail)', ExpressionAttributeValues: { ':tail': ['t'] } },
        { UpdateExpression: 'SET l2 = list_append(l2, :m)', ExpressionAttributeValues: { ':m': { a: 1 } } },
      ]),
  },
  {
    name: 'UpdateItem SET nested paths in maps and lists',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET m.x = :v', ExpressionAttributeValues: { ':v': 'X' } },
        { UpdateExpression: 'SET m.a.b = :v, #m.#new = :w', ExpressionAttributeNames: { '#m': 'm', '#new': 'new key' }, ExpressionAttributeValues: { ':v': 'B', ':w': [1] } },
        { UpdateExpression: 'SET l[1] = :v', ExpressionAttributeValues: { ':v': 'Y' } },
        { UpdateExpression: 'SET l[10] = :v', ExpressionAttributeValues: { ':v': 'appended' } },
        { UpdateExpression: 'SET m.nope.y = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET s.x = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET l[0].x = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET nope[0] = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET m.a = :v', ExpressionAttributeValues: { ':v': { fresh: true } } },
      ]),
  },
  {
    name: 'UpdateItem REMOVE of attributes, nested paths and list elements',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'REMOVE gone, m.a.b, l[1]' },
        { UpdateExpression: 'REMOVE nope, l[5], m.nope' },
        { UpdateExpression: 'REMOVE #k', ExpressionAttributeNames: { '#k': 'keep' } },
      ]),
  },
  {
    name: 'UpdateItem ADD to numbers (creating them) and sets',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'ADD n :five, cnt :one, ss :ss, newSet :ns2, ns :ns', ExpressionAttributeValues: { ':five': 5, ':one': 1, ':ss': new Set(['b', 'c']), ':ns2': new Set([7]), ':ns': new Set([2, 3]) } },
        { UpdateExpression: 'ADD frac :neg', ExpressionAttributeValues: { ':neg': -0.05 } },
        { UpdateExpression: 'ADD s :one', ExpressionAttributeValues: { ':one': 1 } },
        { UpdateExpression: 'ADD l :l', ExpressionAttributeValues: { ':l': ['q'] } },
        { UpdateExpression: 'ADD ss :one', ExpressionAttributeValues: { ':one': 1 } },
        { UpdateExpression: 'ADD ss :ns', ExpressionAttributeValues: { ':ns': new Set([1]) } },
        { UpdateExpression: 'ADD n :s', ExpressionAttributeValues: { ':s': 'x' } },
        { UpdateExpression: 'SET a = :a ADD n :one', ExpressionAttributeValues: { ':a': 'both', ':one': 1 } },
      ]),
  },
  {
    name: 'UpdateItem DELETE from sets',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'DELETE ss :a, ns :n', ExpressionAttributeValues: { ':a': new Set(['a', 'zz']), ':n': new Set([2]) } },
        { UpdateExpression: 'DELETE ss :b', ExpressionAttributeValues: { ':b': new Set(['b']) } },
        { UpdateExpression: 'DELETE nope :b', ExpressionAttributeValues: { ':b': new Set(['b']) } },
        { UpdateExpression: 'DELETE n :b', ExpressionAttributeValues: { ':b': new Set([1]) } },
        { UpdateExpression: 'DELETE ns :b', ExpressionAttributeValues: { ':b': new Set(['x']) } },
        { UpdateExpression: 'DELETE ns :one', ExpressionAttributeValues: { ':one': 1 } },
      ]),
  },
  {
    name: 'UpdateItem of a missing item creates it (upsert)',
    run: async (doc, _client, table) => {
      const up = (sk: string, input: Omit<UpdateCommandInput, 'TableName' | 'Key'>) => update(doc, { TableName: table, Key: { pk: 'UP', sk }, ReturnValues: 'ALL_NEW', ...input });
      return {
        set: await up('set', { UpdateExpression: 'SET a = :a, b.c = :a', ExpressionAttributeValues: { ':a': 1 } }),
        setOnly: await up('set-only', { UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } }),
        add: await up('add', { UpdateExpression: 'ADD cnt :one, tags :t', ExpressionAttributeValues: { ':one': 1, ':t': new Set(['x']) } }),
        remove: await up('remove', { UpdateExpression: 'REMOVE x' }),
        conditioned: await up('cond', { UpdateExpression: 'SET a = :a', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':a': 1 } }),
        notExists: await up('not-exists', { UpdateExpression: 'SET a = :a', ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':a': 1 } }),
        scan: await scanUnordered(doc, { TableName: table }),
      };
    },
  },
  {
    name: 'UpdateItem cannot change key attributes',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': 'other' } },
        { UpdateExpression: 'SET sk = :v', ExpressionAttributeValues: { ':v': 'item' } },
        { UpdateExpression: 'REMOVE sk' },
        { UpdateExpression: 'SET #k = :v', ExpressionAttributeNames: { '#k': 'pk' }, ExpressionAttributeValues: { ':v': 'other' } },
        { UpdateExpression: 'ADD sk :v', ExpressionAttributeValues: { ':v': 1 } },
      ]),
  },
  {
    name: 'UpdateItem placeholders: unused, missing',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1, ':unused': 2 } },
        { UpdateExpression: 'SET a = :a', ExpressionAttributeNames: { '#unused': 'x' }, ExpressionAttributeValues: { ':a': 1 } },
        { UpdateExpression: 'SET a = :missing' },
        { UpdateExpression: 'SET a = :missing', ExpressionAttributeValues: { ':other': 1 } },
        { UpdateExpression: 'SET #missing = :a', ExpressionAttributeValues: { ':a': 1 } },
        { UpdateExpression: 'SET a = :a', ConditionExpression: 'n = :n', ExpressionAttributeValues: { ':a': 'both used', ':n': 1 } },
        { UpdateExpression: 'SET a = :a', ExpressionAttributeValues: {} },
      ]),
  },
  {
    name: 'UpdateItem invalid expressions: syntax, repeated clauses, overlapping paths',
    run: (doc, _client, table) =>
      updates(doc, table, updItem, [
        { UpdateExpression: 'SET a = ', ExpressionAttributeValues: undefined },
        { UpdateExpression: 'SET a :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET a = :v,', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'UPSERT a = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET a = :v SET b = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET a = :v REMOVE a', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET m = :v, m.x = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'SET l[0] = :v, l[0] = :w', ExpressionAttributeValues: { ':v': 1, ':w': 2 } },
        { UpdateExpression: 'REMOVE a SET b = :v', ExpressionAttributeValues: { ':v': 1 } },
        { UpdateExpression: 'set a = :v remove gone', ExpressionAttributeValues: { ':v': 'lower' } },
        { UpdateExpression: '' },
      ]),
  },
  {
    name: 'UpdateItem of gsi1pk/gsi1sk moves the item in the index',
    run: async (doc, _client, table) => {
      await seed(doc, table, [
        { pk: 'M', sk: '1', gsi1pk: 'G1', gsi1sk: 'b', v: 1 },
        { pk: 'M', sk: '2', gsi1pk: 'G1', gsi1sk: 'a', v: 2 },
        { pk: 'M', sk: '3', gsi1pk: 'G1', gsi1sk: 'c', v: 3 },
      ]);
      const index = async () => ({
        G1: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G1' } }),
        G2: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G2' } }),
      });
      const before = await index();
      await doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'M', sk: '1' }, UpdateExpression: 'SET gsi1pk = :g, v = :v', ExpressionAttributeValues: { ':g': 'G2', ':v': 10 } }));
      await doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'M', sk: '3' }, UpdateExpression: 'SET gsi1sk = :s', ExpressionAttributeValues: { ':s': '0' } }));
      const moved = await index();
      await doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'M', sk: '2' }, UpdateExpression: 'REMOVE gsi1sk' }));
      await doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'M', sk: '1' } }));
      const removed = await index();
      return { before, moved, removed };
    },
  },
];

const deleteScenarios: Named[] = [
  {
    name: 'DeleteItem with a condition and ReturnValues ALL_OLD',
    run: async (doc, _client, table) => {
      const Key = { pk: 'D', sk: 'x' };
      await doc.send(new PutCommand({ TableName: table, Item: { ...Key, v: 1, ss: new Set(['a']) } }));
      const del = (input: { ConditionExpression?: string; ExpressionAttributeValues?: Doc; ReturnValues?: 'NONE' | 'ALL_OLD' }, key: Doc = Key) => attempt(doc.send(new DeleteCommand({ TableName: table, Key: key, ...input })), (r) => r.Attributes ?? 'no attributes');
      return {
        failing: await del({ ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': 2 }, ReturnValues: 'ALL_OLD' }),
        still: await read(doc, table, Key),
        passing: await del({ ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': 1 }, ReturnValues: 'ALL_OLD' }),
        gone: await read(doc, table, Key),
        missing: await del({ ReturnValues: 'ALL_OLD' }),
        missingExists: await del({ ConditionExpression: 'attribute_exists(pk)' }),
        missingNotExists: await del({ ConditionExpression: 'attribute_not_exists(pk)', ReturnValues: 'NONE' }),
        badKey: await del({}, { pk: 'D' }),
      };
    },
  },
];

const seededQuery = (run: (doc: DynamoDBDocumentClient, table: string) => Promise<unknown>): Scenario => async (doc, _client, table) => {
  await seed(doc, table, queryItems);
  return run(doc, table);
};

const pkP = { ':pk': P };

const queryScenarios: Named[] = [
  {
    name: 'Query pk = :pk returns the partition in sort key order',
    run: seededQuery(async (doc, table) => ({
      all: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP }),
      other: await query(doc, { TableName: table, KeyConditionExpression: '#p = :pk', ExpressionAttributeNames: { '#p': 'pk' }, ExpressionAttributeValues: { ':pk': 'OTHER' } }),
      empty: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'nothing here' } }),
      consistent: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'OTHER' }, ConsistentRead: true }),
    })),
  },
  {
    name: 'Query sort key conditions: =, <, <=, >, >=, BETWEEN, begins_with',
    run: seededQuery(async (doc, table) => {
      const cases: Array<[string, Doc]> = [
        ['pk = :pk AND sk = :a', { ':a': 'a#03' }],
        ['pk = :pk AND sk < :a', { ':a': 'a#03' }],
        ['pk = :pk AND sk <= :a', { ':a': 'a#03' }],
        ['pk = :pk AND sk > :a', { ':a': 'a#11' }],
        ['pk = :pk AND sk >= :a', { ':a': 'a#11' }],
        ['pk = :pk AND sk BETWEEN :a AND :b', { ':a': 'a#05', ':b': 'a#08' }],
        ['pk = :pk AND sk BETWEEN :a AND :b', { ':a': 'a#10', ':b': 'b#01' }],
        ['pk = :pk AND begins_with(sk, :a)', { ':a': 'b#' }],
        ['pk = :pk AND begins_with(sk, :a)', { ':a': 'a#1' }],
        ['pk = :pk AND begins_with(sk, :a)', { ':a': 'c' }],
        ['sk >= :a AND pk = :pk', { ':a': 'b#02' }],
        ['(pk = :pk) AND (sk < :a)', { ':a': 'a#02' }],
      ];
      const out: Record<string, unknown> = {};
      for (const [expr, values] of cases) {
        const r = await attempt(doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: expr, ExpressionAttributeValues: { ...pkP, ...values } })), (a) => ({ sks: a.Items?.map((i) => i.sk), Count: a.Count, ScannedCount: a.ScannedCount }));
        out[`${expr} ${JSON.stringify(values)}`] = r;
      }
      return out;
    }),
  },
  {
    name: 'Query ScanIndexForward false',
    run: seededQuery(async (doc, table) => ({
      all: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, ScanIndexForward: false }),
      prefix: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ...pkP, ':a': 'a#' }, ScanIndexForward: false, Limit: 3 }),
    })),
  },
  {
    name: 'Query Limit pages with LastEvaluatedKey to the end',
    run: seededQuery(async (doc, table) => ({
      by5: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, Limit: 5 }),
      exact: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ...pkP, ':a': 'b#' }, Limit: 3 }),
      descending: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ...pkP, ':a': 'a#03', ':b': 'a#11' }, Limit: 4, ScanIndexForward: false }),
    })),
  },
  {
    name: 'Query FilterExpression: Limit counts items before the filter (Count vs ScannedCount)',
    run: seededQuery(async (doc, table) => ({
      filtered: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'odd = :t', ExpressionAttributeValues: { ...pkP, ':t': true } }),
      pages: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'odd = :t AND n > :three', ExpressionAttributeValues: { ...pkP, ':t': true, ':three': 3 }, Limit: 4 }),
      none: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'attribute_exists(nope)', ExpressionAttributeValues: pkP, Limit: 7 }),
      withProjection: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)', FilterExpression: 'n > :n', ProjectionExpression: 'sk', ExpressionAttributeValues: { ...pkP, ':b': 'b#', ':n': 101 } }),
      filterOnKey: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'sk = :s', ExpressionAttributeValues: { ...pkP, ':s': 'a#01' } }),
    })),
  },
  {
    name: 'Query Select COUNT',
    run: seededQuery(async (doc, table) => ({
      count: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, Select: 'COUNT' }),
      filtered: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'odd = :t', ExpressionAttributeValues: { ...pkP, ':t': false }, Select: 'COUNT' }),
      limited: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, Select: 'COUNT', Limit: 10 }),
      specific: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND sk < :a', ExpressionAttributeValues: { ...pkP, ':a': 'a#03' }, Select: 'SPECIFIC_ATTRIBUTES', ProjectionExpression: 'sk, n' }),
      allAttributes: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND sk < :a', ExpressionAttributeValues: { ...pkP, ':a': 'a#02' }, Select: 'ALL_ATTRIBUTES' }),
    })),
  },
  {
    name: 'Query ProjectionExpression',
    run: seededQuery(async (doc, table) => ({
      projected: await queryPages(doc, { TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ...pkP, ':a': 'a#0' }, ProjectionExpression: '#n, odd', ExpressionAttributeNames: { '#n': 'n' }, Limit: 4 }),
    })),
  },
  {
    name: 'Query on gsi1: only items with both index keys, in index order, paged',
    run: seededQuery(async (doc, table) => ({
      all: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G' } }),
      pages: await queryPages(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G' }, Limit: 3 }),
      descending: await queryPages(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g AND gsi1sk > :s', ExpressionAttributeValues: { ':g': 'G', ':s': 'g#09' }, Limit: 2, ScanIndexForward: false }),
      filtered: await queryPages(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':g': 'G', ...pkP }, Limit: 4 }),
      count: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G' }, Select: 'COUNT' }),
      H: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g AND begins_with(gsi1sk, :p)', ExpressionAttributeValues: { ':g': 'H', ':p': 'g#' } }),
    })),
  },
  {
    name: 'Query on gsi1 with ConsistentRead is ValidationException',
    run: seededQuery(async (doc, table) => ({
      consistent: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G' }, ConsistentRead: true }),
      unknownIndex: await query(doc, { TableName: table, IndexName: 'nope', KeyConditionExpression: 'gsi1pk = :g', ExpressionAttributeValues: { ':g': 'G' } }),
      baseKeyOnIndex: await query(doc, { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP }),
    })),
  },
  {
    name: 'Query key condition validation',
    run: seededQuery(async (doc, table) => {
      const q = (KeyConditionExpression: string, values: Doc) => query(doc, { TableName: table, KeyConditionExpression, ExpressionAttributeValues: values });
      return {
        noHash: await q('begins_with(sk, :a)', { ':a': 'a' }),
        nonKey: await q('pk = :pk AND n = :n', { ...pkP, ':n': 1 }),
        or: await q('pk = :pk OR sk = :a', { ...pkP, ':a': 'a' }),
        hashRange: await q('pk > :pk', pkP),
        wrongType: await q('pk = :pk', { ':pk': 1 }),
        twoRange: await q('pk = :pk AND sk > :a AND sk < :b', { ...pkP, ':a': 'a', ':b': 'b' }),
        notEqual: await q('pk = :pk AND sk <> :a', { ...pkP, ':a': 'a' }),
        inKey: await q('pk IN (:pk)', pkP),
        unusedValue: await q('pk = :pk', { ...pkP, ':unused': 1 }),
        missing: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk' }),
        limitZero: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, Limit: 0 }),
        filterOnKeyOnlyHash: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', FilterExpression: 'pk = :pk', ExpressionAttributeValues: pkP }),
      };
    }),
  },
  {
    name: 'Query continues after an ExclusiveStartKey whose item was deleted',
    run: seededQuery(async (doc, table) => {
      const first = await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, Limit: 3 }));
      const start = first.LastEvaluatedKey;
      if (start) await doc.send(new DeleteCommand({ TableName: table, Key: start }));
      return {
        first: page(first),
        rest: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, ExclusiveStartKey: start, Limit: 2 }),
        made: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, ExclusiveStartKey: { pk: P, sk: 'a#055' }, Limit: 2 }),
        otherPartition: await query(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: pkP, ExclusiveStartKey: { pk: 'OTHER', sk: 'a#01' }, Limit: 2 }),
      };
    }),
  },
  {
    name: 'numeric sort keys order and compare numerically',
    run: async (doc, client, table) => {
      const TableName = `${table}-n`;
      await client.send(new CreateTableCommand(numericTable(TableName)));
      await seed(doc, TableName, [9, 10, 100, -1, 2.5, 0, -10.5, 1e-3, 11].map((n) => ({ pk: 'N', n, label: String(n) })));
      const q = (expr: string, values: Doc, extra: Partial<QueryCommandInput> = {}) => attempt(doc.send(new QueryCommand({ TableName, KeyConditionExpression: expr, ExpressionAttributeValues: { ':pk': 'N', ...values }, ...extra })), (r) => r.Items?.map((i) => i.n));
      return {
        ascending: await q('pk = :pk', {}),
        descending: await q('pk = :pk', {}, { ScanIndexForward: false }),
        gtNine: await q('pk = :pk AND n > :v', { ':v': 9 }),
        between: await q('pk = :pk AND n BETWEEN :a AND :b', { ':a': 0, ':b': 10 }),
        ltZero: await q('pk = :pk AND n < :v', { ':v': 0 }),
        beginsWith: await q('pk = :pk AND begins_with(n, :v)', { ':v': 1 }),
        paged: await queryPages(doc, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'N' }, Limit: 4, ProjectionExpression: 'n' }),
        stringValue: await q('pk = :pk AND n > :v', { ':v': '9' }),
        get: await attempt(doc.send(new GetCommand({ TableName, Key: { pk: 'N', n: 2.5 } })), (r) => r.Item ?? 'absent'),
        getEquivalent: await attempt(client.send(new GetItemCommand({ TableName, Key: { pk: { S: 'N' }, n: { N: '2.50' } } })), (r) => normalizeRaw(r.Item)),
      };
    },
  },
  {
    name: 'string sort keys order by UTF-8 bytes',
    run: async (doc, _client, table) => {
      const sks = ['a', 'B', 'é', '😀', '\uffff', 'a1', 'Z', '0', ' ', 'ab', 'aB', '~', '\u0001'];
      await seed(doc, table, sks.map((sk) => ({ pk: 'U', sk })));
      return {
        order: await attempt(doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'U' } })), (r) => r.Items?.map((i) => i.sk)),
        above: await attempt(doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND sk > :v', ExpressionAttributeValues: { ':pk': 'U', ':v': '\uffff' } })), (r) => r.Items?.map((i) => i.sk)),
      };
    },
  },
];

const scanScenarios: Named[] = [
  {
    name: 'Scan of one partition with Limit pages in key order',
    run: async (doc, _client, table) => {
      await seed(doc, table, scanItems.filter((i) => i.pk === 'S#2'));
      return {
        pages: await scanPages(doc, { TableName: table, Limit: 2 }),
        exact: await scanPages(doc, { TableName: table, Limit: 3 }),
        projected: await scanPages(doc, { TableName: table, ProjectionExpression: 'sk', Limit: 5 }),
      };
    },
  },
  {
    name: 'Scan across partitions with FilterExpression',
    run: async (doc, _client, table) => {
      await seed(doc, table, scanItems);
      return {
        all: await scanUnordered(doc, { TableName: table }),
        filtered: await scanUnordered(doc, { TableName: table, FilterExpression: 'even = :t AND n > :n', ExpressionAttributeValues: { ':t': true, ':n': 4 } }),
        count: await attempt(doc.send(new ScanCommand({ TableName: table, Select: 'COUNT', FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'S#1' } })), page),
        invalidFilter: await attempt(doc.send(new ScanCommand({ TableName: table, FilterExpression: 'n = :missing' }))),
      };
    },
  },
  {
    name: 'Scan across partitions with Limit pages through every item once',
    run: async (doc, _client, table) => {
      await seed(doc, table, scanItems);
      const filteredPages = async () => {
        const all: Doc[] = [];
        let scanned = 0;
        let count = 0;
        let start: Doc | undefined;
        do {
          const r = await doc.send(new ScanCommand({ TableName: table, Limit: 4, FilterExpression: 'even = :f', ExpressionAttributeValues: { ':f': false }, ExclusiveStartKey: start }));
          all.push(...(r.Items ?? []));
          scanned += r.ScannedCount ?? 0;
          count += r.Count ?? 0;
          start = r.LastEvaluatedKey;
        } while (start);
        return { items: all.sort(bySk), scanned, count };
      };
      return {
        by4: await scanUnordered(doc, { TableName: table, Limit: 4 }),
        by5: await scanUnordered(doc, { TableName: table, Limit: 5 }),
        filtered: await attempt(filteredPages(), (r) => r),
      };
    },
  },
  {
    name: 'Scan of gsi1 holds only indexed items',
    run: seededQuery(async (doc, table) => ({
      index: await scanUnordered(doc, { TableName: table, IndexName: 'gsi1' }),
      paged: await scanUnordered(doc, { TableName: table, IndexName: 'gsi1', Limit: 2 }),
    })),
  },
];

const batchScenarios: Named[] = [
  {
    name: 'BatchWriteItem puts and deletes, BatchGetItem with missing keys',
    run: async (doc, _client, table) => {
      const put = await attempt(
        doc.send(new BatchWriteCommand({ RequestItems: { [table]: [1, 2, 3, 4, 5].map((i) => ({ PutRequest: { Item: { pk: 'B', sk: `k${i}`, v: i, ss: new Set([`s${i}`]) } } })) } })),
        (r) => r.UnprocessedItems ?? {},
      );
      const mixed = await attempt(
        doc.send(
          new BatchWriteCommand({
            RequestItems: {
              [table]: [{ DeleteRequest: { Key: { pk: 'B', sk: 'k2' } } }, { DeleteRequest: { Key: { pk: 'B', sk: 'k4' } } }, { DeleteRequest: { Key: { pk: 'B', sk: 'never' } } }, { PutRequest: { Item: { pk: 'B', sk: 'k5', v: 50 } } }],
            },
          }),
        ),
        (r) => r.UnprocessedItems ?? {},
      );
      const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'nope'].map((sk) => ({ pk: 'B', sk }));
      const got = await attempt(doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } })), (r) => ({ items: [...(r.Responses?.[table] ?? [])].sort(bySk), tables: Object.keys(r.Responses ?? {}), unprocessed: r.UnprocessedKeys ?? {} }));
      const projected = await attempt(doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys.slice(0, 3), ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' }, ConsistentRead: true } } })), (r) => ({
        items: [...(r.Responses?.[table] ?? [])].sort((a, b) => compareNormalized(a.v, b.v)),
        unprocessed: r.UnprocessedKeys ?? {},
      }));
      const none = await attempt(doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [{ pk: 'B', sk: 'zz' }] } } })), (r) => ({ responses: r.Responses, unprocessed: r.UnprocessedKeys ?? {} }));
      return { put, mixed, got, projected, none };
    },
  },
  {
    name: 'BatchWriteItem and BatchGetItem validation',
    run: async (doc, _client, table) => {
      const write = (requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]) => attempt(doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } })), (r) => r.UnprocessedItems ?? {});
      const get = (Keys: Doc[]) => attempt(doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys } } })), (r) => ({ items: [...(r.Responses?.[table] ?? [])].sort(bySk), unprocessed: r.UnprocessedKeys ?? {} }));
      return {
        duplicatePuts: await write([{ PutRequest: { Item: { pk: 'V', sk: 'a' } } }, { PutRequest: { Item: { pk: 'V', sk: 'a', v: 2 } } }]),
        putAndDelete: await write([{ PutRequest: { Item: { pk: 'V', sk: 'b' } } }, { DeleteRequest: { Key: { pk: 'V', sk: 'b' } } }]),
        tooMany: await write(Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: 'V', sk: `m${i}` } } }))),
        badKey: await write([{ PutRequest: { Item: { pk: 'V' } } }]),
        oneBadItem: await write([{ PutRequest: { Item: { pk: 'V', sk: 'ok' } } }, { PutRequest: { Item: { pk: 'V', sk: '' } } }]),
        empty: await write([]),
        nothingWritten: await scanUnordered(doc, { TableName: table }),
        duplicateKeys: await get([
          { pk: 'V', sk: 'a' },
          { pk: 'V', sk: 'a' },
        ]),
        tooManyKeys: await get(Array.from({ length: 101 }, (_, i) => ({ pk: 'V', sk: `k${i}` }))),
        hundredKeys: await get(Array.from({ length: 100 }, (_, i) => ({ pk: 'V', sk: `k${i}` }))),
        badGetKey: await get([{ pk: 'V' }]),
      };
    },
  },
];

const groups: Array<{ group: string; scenarios: Named[] }> = [
  { group: 'tables', scenarios: tables },
  { group: 'items', scenarios: items },
  { group: 'condition expressions', scenarios: conditionScenarios },
  { group: 'UpdateItem', scenarios: updateScenarios },
  { group: 'DeleteItem', scenarios: deleteScenarios },
  { group: 'Query', scenarios: queryScenarios },
  { group: 'Scan', scenarios: scanScenarios },
  { group: 'batches', scenarios: batchScenarios },
];

// ---------------------------------------------------------------------------------------------
// The suite

interface Outcome {
  readonly record: unknown;
  readonly errors: ErrorSeen[];
}

async function runOn(target: Connected, table: string, run: Scenario): Promise<Outcome> {
  await target.client.send(new CreateTableCommand(tableDefinition(table)));
  errorsSeen = [];
  let record: unknown;
  try {
    record = normalize(await run(target.doc, target.client, table));
  } catch (err) {
    record = { uncaught: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  return { record, errors: errorsSeen };
}

let reference: Connected;
let candidate: Connected;
let tableCount = 0;

beforeAll(async () => {
  [reference, candidate] = await Promise.all([connect(REFERENCE), connect(CANDIDATE)]);
});

afterAll(async () => {
  for (const c of [reference, candidate]) {
    if (!c) continue;
    c.client.destroy();
    await c.running.stop();
  }
});

// The one known difference: DynamoDB (and dynalite) refuse its ~570 reserved words as bare names
// in expressions; the local DynamoDB does not check them (Stepflow's data layer names them with
// placeholders, and its tests run on dynalite, which does check).
test('known difference: a reserved word as a bare name is refused by the reference and accepted here', async () => {
  const table = 'conf-reserved-words';
  const run: Scenario = (doc, _client, t) => conditions(doc, t, { ...condItem, status: 'open' }, [{ expr: 'status = :v', values: { ':v': 'open' } }]);
  const outcome = async (target: Connected) => ((await runOn(target, table, run)).record as Record<string, unknown>)['1: status = :v {":v":"open"}'];
  expect(await outcome(reference)).toEqual({ error: 'ValidationException' });
  expect(await outcome(candidate)).toEqual(CANDIDATE.label === REFERENCE.label ? { error: 'ValidationException' } : 'pass');
});

describe(`${CANDIDATE.label} answers as ${REFERENCE.label} does`, () => {
  describe.each(groups)('$group', ({ scenarios }) => {
    test.each(scenarios)('$name', async ({ name, run }) => {
      tableCount += 1;
      const table = `conf-${tableCount}-${name.replace(/[^a-zA-Z0-9]+/g, '-')}`.slice(0, 120);
      const expected = await runOn(reference, table, run);
      if (process.env.CONFORMANCE_PRINT) console.log(name, JSON.stringify({ record: expected.record, errors: expected.errors }, null, 1));
      const actual = await runOn(candidate, table, run);
      expect(differences(expected.record, actual.record)).toEqual([]);
      expect(actual.record).toEqual(expected.record);
      expect(actual.errors.filter((e) => e.message.trim() === '')).toEqual([]);
    });
  });
});
