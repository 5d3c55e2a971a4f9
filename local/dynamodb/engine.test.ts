/**
 * The local DynamoDB beyond request semantics (conformance.test.ts compares those with
 * dynalite): persistence in the journal, the protocol envelope for bad requests, the HTTP
 * endpoint, and SDK clients reaching it in-process and from another thread.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tableDefinition } from '../../functions/_shared/data/table-definition';
import { LocalDynamo } from './engine';
import { directHandler, inProcessClientOptions, serveDynamo } from './server';
import { startDynamoThread } from './thread';
import { migrateFromDynalite } from './migrate';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const call = (db: LocalDynamo, op: string, body: unknown) => {
  const r = db.handle(`DynamoDB_20120810.${op}`, typeof body === 'string' ? body : JSON.stringify(body));
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
};
const table = { TableName: 'things', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' };

describe('local DynamoDB', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stepflow-dynamo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps tables and items across a reopen of its journal, deletes and transactions included, and compacts it', async () => {
    const file = path.join(dir, 'dynamodb.jsonl');
    const db = await LocalDynamo.open({ journalFile: file });
    expect(call(db, 'CreateTable', table).status).toBe(200);
    for (let i = 0; i < 5; i++) expect(call(db, 'UpdateItem', { TableName: 'things', Key: { pk: { S: 'counter' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }).status).toBe(200);
    call(db, 'PutItem', { TableName: 'things', Item: { pk: { S: 'gone' } } });
    call(db, 'DeleteItem', { TableName: 'things', Key: { pk: { S: 'gone' } } });
    call(db, 'TransactWriteItems', { TransactItems: [{ Put: { TableName: 'things', Item: { pk: { S: 'a' } } } }, { Put: { TableName: 'things', Item: { pk: { S: 'b' } } } }] });
    await db.close();
    const linesBefore = readFileSync(file, 'utf8').trim().split('\n').length;

    const again = await LocalDynamo.open({ journalFile: file });
    expect(call(again, 'GetItem', { TableName: 'things', Key: { pk: { S: 'counter' } } }).body).toEqual({ Item: { pk: { S: 'counter' }, n: { N: '5' } } });
    expect(call(again, 'GetItem', { TableName: 'things', Key: { pk: { S: 'gone' } } }).body).toEqual({});
    expect((call(again, 'Scan', { TableName: 'things' }).body.Items as unknown[]).length).toBe(3);
    // Compacted: one line for the table and one per item.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);
    expect(linesBefore).toBeGreaterThan(4);
    await again.close();
  });

  it('compacts its journal while running once updates outnumber the live items, losing nothing', async () => {
    const file = path.join(dir, 'dynamodb.jsonl');
    const db = await LocalDynamo.open({ journalFile: file, compactAfter: 50 });
    call(db, 'CreateTable', table);
    for (let i = 0; i < 120; i++) {
      call(db, 'UpdateItem', { TableName: 'things', Key: { pk: { S: `k${i % 4}` } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
      // Every put counts (a new item), and their places among the writes vary, so compactions
      // fall on some of them.
      for (let j = 0; j < 1 + (i % 3); j++) call(db, 'PutItem', { TableName: 'things', Item: { pk: { S: `new${i}-${j}` } } });
    }
    // 361 writes for 244 items: compacted along the way, so fewer lines than writes.
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThan(361);
    const before = call(db, 'Scan', { TableName: 'things' }).body.Items;
    await db.close();
    const again = await LocalDynamo.open({ journalFile: file });
    const items = call(again, 'Scan', { TableName: 'things' }).body.Items as Array<{ pk: { S: string }; n?: { N: string } }>;
    expect(items).toEqual(before);
    expect(items).toHaveLength(244);
    expect(items.filter((i) => i.n).map((i) => i.n?.N)).toEqual(['30', '30', '30', '30']);
    await again.close();
  });

  it('ignores a torn last journal line (a stop mid-write) but refuses a damaged one in the middle', async () => {
    const file = path.join(dir, 'dynamodb.jsonl');
    const db = await LocalDynamo.open({ journalFile: file });
    call(db, 'CreateTable', table);
    call(db, 'PutItem', { TableName: 'things', Item: { pk: { S: 'kept' } } });
    await db.close();
    appendFileSync(file, '{"op":"put","table":"things","item":{"pk":{"S":"to');
    const reopened = await LocalDynamo.open({ journalFile: file });
    expect((call(reopened, 'Scan', { TableName: 'things' }).body.Items as unknown[]).length).toBe(1);
    await reopened.close();

    writeFileSync(file, `${readFileSync(file, 'utf8')}not json\n{"op":"drop","table":"things"}\n`);
    await expect(LocalDynamo.open({ journalFile: file })).rejects.toThrow(/line 3 is not valid JSON/);
  });

  it('answers bad requests with the protocol error a DynamoDB client understands, and stores nothing', async () => {
    const db = await LocalDynamo.open();
    call(db, 'CreateTable', table);
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['PutItem', 'not json', 'SerializationException', /JSON/],
      ['PutItem', '[1]', 'SerializationException', /object/],
      ['Frobnicate', {}, 'UnknownOperationException', /Frobnicate/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: 'x' }, bad: { Q: '1' } } }, 'ValidationException', /Item\.bad.*unknown datatype "Q"/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: 'x' }, n: { N: 'twelve' } } }, 'ValidationException', /numeric/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: '' } } }, 'ValidationException', /empty string/],
      ['PutItem', { TableName: 'things', Item: { other: { S: 'x' } } }, 'ValidationException', /Missing the key pk/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: 'x' } }, ConditionExpression: 'attribute_exists(pk) AND' }, 'ValidationException', /ConditionExpression: Syntax error/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: 'x' } }, ConditionExpression: 'a = :missing' }, 'ValidationException', /:missing/],
      ['PutItem', { TableName: 'things', Item: { pk: { S: 'x' } }, Expected: {} }, 'ValidationException', /legacy parameter/],
      ['GetItem', { TableName: 'nope', Key: { pk: { S: 'x' } } }, 'ResourceNotFoundException', /nope/],
      ['UpdateItem', { TableName: 'things', Key: { pk: { S: 'x' } }, UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': { S: 'y' } } }, 'ValidationException', /part of the key/],
      ['Query', { TableName: 'things', KeyConditionExpression: 'pk <> :v', ExpressionAttributeValues: { ':v': { S: 'y' } } }, 'ValidationException', /key condition/],
    ];
    for (const [op, body, type, message] of cases) {
      const r = call(db, op, body);
      expect({ op, status: r.status, type: String(r.body.__type).split('#')[1] }).toEqual({ op, status: 400, type });
      expect(String(r.body.message)).toMatch(message);
    }
    expect(call(db, 'Scan', { TableName: 'things' }).body).toMatchObject({ Count: 0 });
    await db.close();
  });

  it('serves the AWS SDK over HTTP on 127.0.0.1, in-process and from a worker thread with the same answers', async () => {
    const db = await LocalDynamo.open();
    const server = await serveDynamo(db);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const thread = await startDynamoThread();
    const clients = {
      http: new DynamoDBClient({ region: 'us-east-1', credentials, endpoint: server.url }),
      direct: new DynamoDBClient({ region: 'us-east-1', credentials, ...inProcessClientOptions(directHandler(db), server.url) }),
      thread: new DynamoDBClient({ region: 'us-east-1', credentials, ...inProcessClientOptions(thread.handler(), thread.url) }),
    };
    try {
      const seen: Record<string, unknown> = {};
      for (const [name, client] of Object.entries(clients)) {
        const doc = DynamoDBDocumentClient.from(client);
        const t = `stepflow-${name}`;
        await client.send(new CreateTableCommand(tableDefinition(t)));
        await doc.send(new PutCommand({ TableName: t, Item: { pk: 'e#1', sk: 'seq#0001', seq: 1, event: { type: 'node_started', usage: { cost_usd: 0.1 } } } }));
        await doc.send(new PutCommand({ TableName: t, Item: { pk: 'e#1', sk: 'seq#0002', seq: 2 } }));
        await expect(doc.send(new PutCommand({ TableName: t, Item: { pk: 'e#1', sk: 'seq#0002', seq: 3 }, ConditionExpression: 'attribute_not_exists(pk)' }))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
        const updated = await doc.send(new UpdateCommand({ TableName: t, Key: { pk: 'e#1', sk: 'seq#0001' }, UpdateExpression: 'SET event.usage.cost_usd = event.usage.cost_usd + :c', ExpressionAttributeValues: { ':c': 0.2 }, ReturnValues: 'UPDATED_NEW' }));
        const last = await doc.send(new QueryCommand({ TableName: t, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':p': 'e#1', ':a': 'seq#', ':b': 'seq#9999' }, ScanIndexForward: false, Limit: 1 }));
        await expect(doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: t, Item: { pk: 'x', sk: 'y' } } }, { ConditionCheck: { TableName: t, Key: { pk: 'e#1', sk: 'seq#0001' }, ConditionExpression: 'seq = :two', ExpressionAttributeValues: { ':two': 2 } } }] }))).rejects.toMatchObject({ name: 'TransactionCanceledException' });
        const untouched = await doc.send(new GetCommand({ TableName: t, Key: { pk: 'x', sk: 'y' } }));
        seen[name] = { updated: updated.Attributes, last: last.Items, lastKey: last.LastEvaluatedKey, untouched: untouched.Item ?? null };
      }
      // 0.1 + 0.2 is exactly 0.3 in DynamoDB's decimal numbers; UPDATED_NEW has only the path written.
      expect(seen.http).toEqual({ updated: { event: { usage: { cost_usd: 0.3 } } }, last: [{ pk: 'e#1', sk: 'seq#0002', seq: 2 }], lastKey: { pk: 'e#1', sk: 'seq#0002' }, untouched: null });
      expect(seen.direct).toEqual(seen.http);
      expect(seen.thread).toEqual(seen.http);
    } finally {
      for (const c of Object.values(clients)) c.destroy();
      await server.close();
      await thread.close();
      await db.close();
    }
  });

  it('moves a dynalite data folder (the platform before local/dynamodb) into the journal: tables, indexes and items', async () => {
    const old = path.join(dir, 'dynamodb');
    const server = dynalite({ path: old, createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = new DynamoDBClient({ region: 'us-east-1', credentials, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const doc = DynamoDBDocumentClient.from(client);
    await client.send(new CreateTableCommand(tableDefinition('stepflow')));
    for (let i = 0; i < 30; i++) await doc.send(new PutCommand({ TableName: 'stepflow', Item: { pk: `w#${i % 3}`, sk: `v#${i}`, gsi1pk: 'all', gsi1sk: `${i}`, body: { n: i } } }));
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const journal = path.join(dir, 'dynamodb.jsonl');
    expect(await migrateFromDynalite(old, journal)).toEqual({ tables: 1, items: 30 });
    const db = await LocalDynamo.open({ journalFile: journal });
    const byIndex = call(db, 'Query', { TableName: 'stepflow', IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :a', ExpressionAttributeValues: { ':a': { S: 'all' } } });
    expect(byIndex.body.Count).toBe(30);
    expect(call(db, 'GetItem', { TableName: 'stepflow', Key: { pk: { S: 'w#1' }, sk: { S: 'v#7' } } }).body).toMatchObject({ Item: { body: { M: { n: { N: '7' } } } } });
    await db.close();
  });

  it('fails requests with an error, not a hang, once the DynamoDB thread has stopped', async () => {
    const thread = await startDynamoThread();
    const client = new DynamoDBClient({ region: 'us-east-1', credentials, maxAttempts: 1, ...inProcessClientOptions(thread.handler(), thread.url) });
    await client.send(new CreateTableCommand(tableDefinition('before')));
    await thread.close();
    await expect(client.send(new CreateTableCommand(tableDefinition('after')))).rejects.toThrow(/local DynamoDB thread has stopped/);
    client.destroy();
  });

  it('answers every malformed variant of valid requests with a 4xx naming the problem, never a 500 (20,000 seeded mutations)', async () => {
    const db = await LocalDynamo.open();
    call(db, 'CreateTable', { ...tableDefinition('tbl'), TableName: 'tbl' });
    const key = { pk: { S: 'a' }, sk: { S: 'b' } };
    const valid: Record<string, Record<string, unknown>> = {
      PutItem: { TableName: 'tbl', Item: { ...key, m: { M: { x: { L: [{ N: '1' }] } } } }, ConditionExpression: 'attribute_not_exists(pk) OR #n = :v', ExpressionAttributeNames: { '#n': 'm' }, ExpressionAttributeValues: { ':v': { N: '1' } }, ReturnValues: 'ALL_OLD' },
      UpdateItem: { TableName: 'tbl', Key: key, UpdateExpression: 'SET #n.x[0] = :v ADD c :v', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#n': 'm' }, ExpressionAttributeValues: { ':v': { N: '1' } }, ReturnValues: 'UPDATED_NEW' },
      Query: { TableName: 'tbl', KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)', FilterExpression: 'c > :v', ProjectionExpression: 'm.x[0], c', ExpressionAttributeValues: { ':p': { S: 'a' }, ':s': { S: 'b' }, ':v': { N: '0' } }, Limit: 5, ScanIndexForward: false },
      Scan: { TableName: 'tbl', IndexName: 'gsi1', FilterExpression: 'size(m) > :v', ExpressionAttributeValues: { ':v': { N: '0' } }, Segment: 0, TotalSegments: 2, Limit: 3 },
      BatchWriteItem: { RequestItems: { tbl: [{ PutRequest: { Item: { pk: { S: 'x' }, sk: { S: 'y' } } } }, { DeleteRequest: { Key: { pk: { S: 'a' }, sk: { S: 'z' } } } }] } },
      BatchGetItem: { RequestItems: { tbl: { Keys: [key], ProjectionExpression: '#n', ExpressionAttributeNames: { '#n': 'm' } } } },
      TransactWriteItems: { TransactItems: [{ Put: { TableName: 'tbl', Item: { pk: { S: 't' }, sk: { S: 'u' } } } }, { ConditionCheck: { TableName: 'tbl', Key: key, ConditionExpression: 'attribute_exists(pk)' } }, { Update: { TableName: 'tbl', Key: { pk: { S: 'q' }, sk: { S: 'r' } }, UpdateExpression: 'REMOVE m' } }] },
      TransactGetItems: { TransactItems: [{ Get: { TableName: 'tbl', Key: key } }] },
      CreateTable: { TableName: 'tbl2', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' },
      UpdateTimeToLive: { TableName: 'tbl', TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } },
      ListTables: { Limit: 2, ExclusiveStartTableName: 'a' },
    };
    for (const [op, body] of Object.entries(valid)) expect({ op, status: call(db, op, body).status }).toEqual({ op, status: 200 });
    call(db, 'DeleteTable', { TableName: 'tbl2' });
    const weird: unknown[] = [null, 1, 'x', true, [], {}, [null], [1], { S: 1 }, { N: 'x' }, { M: null }, { L: 'x' }, { SS: [] }, -1, '#', ':v', { pk: null }, [{}], { S: '' }, 'SET', '(', 'attribute_exists(', '#n.x[0]', ':v + :v'];
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const paths = (v: unknown, at: Array<string | number> = []): Array<Array<string | number>> =>
      v === null || typeof v !== 'object' ? [at] : [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))];
    const replace = (v: unknown, at: Array<string | number>, w: unknown): unknown => {
      if (at.length === 0) return w;
      const copy = structuredClone(v) as Record<string | number, unknown>;
      copy[at[0] as string | number] = replace(copy[at[0] as string | number], at.slice(1), w);
      return copy;
    };
    const ops = Object.keys(valid);
    const refused = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const op = ops[rnd(ops.length)] as string;
      let body: unknown = valid[op];
      for (let k = 1 + rnd(2); k > 0; k--) {
        const all = paths(body);
        body = replace(body, all[rnd(all.length)] as Array<string | number>, weird[rnd(weird.length)]);
      }
      const r = call(db, op, body);
      if (r.status !== 200) {
        expect({ op, body, status: r.status }).toEqual({ op, body, status: 400 });
        expect(String(r.body.message).length).toBeGreaterThan(10);
      }
      refused.set(r.status, (refused.get(r.status) ?? 0) + 1);
    }
    // Most mutations are refused; the rest are still well-formed requests.
    expect(refused.get(400)).toBeGreaterThan(10_000);
    await db.close();
  });

  it('pages a Query by binary search exactly as a full filter-and-sort would (seeded conditions, directions, limits, start keys)', async () => {
    const db = await LocalDynamo.open();
    call(db, 'CreateTable', { TableName: 'nums', KeySchema: [{ AttributeName: 'p', KeyType: 'HASH' }, { AttributeName: 'r', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'p', AttributeType: 'S' }, { AttributeName: 'r', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const word = () => Array.from({ length: 1 + rnd(3) }, () => 'abc'[rnd(3)]).join('');
    const keys = [...new Set(Array.from({ length: 300 }, word))];
    for (const r of keys) call(db, 'PutItem', { TableName: 'nums', Item: { p: { S: 'P' }, r: { S: r } } });
    const sorted = [...keys].sort();
    for (let round = 0; round < 400; round++) {
      const [a, b] = [word(), word()].sort() as [string, string];
      const conditions: Array<[string, (r: string) => boolean]> = [
        ['r = :a', (r) => r === a], ['r < :a', (r) => r < a], ['r <= :a', (r) => r <= a], ['r > :a', (r) => r > a], ['r >= :a', (r) => r >= a],
        [':a < r', (r) => a < r], [':a >= r', (r) => a >= r], ['r BETWEEN :a AND :b', (r) => r >= a && r <= b], ['begins_with(r, :a)', (r) => r.startsWith(a)],
      ];
      const [expr, holds] = conditions[rnd(conditions.length)] as [string, (r: string) => boolean];
      const forward = rnd(2) === 0;
      const limit = 1 + rnd(40);
      const values: Record<string, unknown> = { ':p': { S: 'P' }, ':a': { S: a }, ...(expr.includes(':b') ? { ':b': { S: b } } : {}) };
      const expected = sorted.filter(holds);
      if (!forward) expected.reverse();
      const got: string[] = [];
      let startKey: unknown;
      for (let pages = 0; pages < 400; pages++) {
        const r = call(db, 'Query', { TableName: 'nums', KeyConditionExpression: `p = :p AND ${expr}`, ExpressionAttributeValues: values, ScanIndexForward: forward, Limit: limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
        expect(r.status).toBe(200);
        got.push(...(r.body.Items as Array<{ r: { S: string } }>).map((x) => x.r.S));
        startKey = r.body.LastEvaluatedKey;
        if (!startKey) break;
      }
      expect({ expr, a, b, forward, limit, got }).toEqual({ expr, a, b, forward, limit, got: expected });
    }
    await db.close();
  });

  it('pages a Scan through every item exactly once, whole and in parallel segments, while items come and go between pages', async () => {
    const db = await LocalDynamo.open();
    call(db, 'CreateTable', { ...tableDefinition('scanned'), TableName: 'scanned' });
    const put = (pk: string, sk: string) => call(db, 'PutItem', { TableName: 'scanned', Item: { pk: { S: pk }, sk: { S: sk } } });
    for (let i = 0; i < 400; i++) put(`p${i % 37}`, `s${i}`);
    const scanAll = (extra: Record<string, unknown>, between?: () => void) => {
      const seen: string[] = [];
      let startKey: unknown;
      do {
        const r = call(db, 'Scan', { TableName: 'scanned', Limit: 7, ...extra, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
        expect(r.status).toBe(200);
        seen.push(...(r.body.Items as Array<{ pk: { S: string }; sk: { S: string } }>).map((x) => `${x.pk.S}/${x.sk.S}`));
        startKey = r.body.LastEvaluatedKey;
        between?.();
      } while (startKey);
      return seen;
    };
    const whole = scanAll({});
    expect(whole).toHaveLength(400);
    expect(new Set(whole).size).toBe(400);
    const segments = [0, 1, 2].flatMap((Segment) => scanAll({ Segment, TotalSegments: 3 }));
    expect(segments.sort()).toEqual([...whole].sort());
    // Items written after the scan passed their place are not seen; nothing is seen twice.
    let n = 0;
    const moving = scanAll({}, () => put('p0', `late${n++}`));
    expect(new Set(moving).size).toBe(moving.length);
    expect(moving.length).toBeGreaterThanOrEqual(400);
    await db.close();
  });
});
