/**
 * bench/dynamodb: what one DynamoDB request costs the local platform, by stand-in. The fan-out's
 * requests (claim a seq, write the event, update the node run, read the end of a 1,000-event
 * log) through the real DynamoDB document client, sequentially, against:
 *   - local/dynamodb through a MessagePort to its thread (as the platform runs it),
 *   - local/dynamodb over HTTP on 127.0.0.1 (as tools reach it),
 *   - dynalite over HTTP (the platform's DynamoDB before),
 * and local/dynamodb's own handling with no client at all. Prints wall-clock and CPU (all
 * threads) per request.
 *
 *   npm run bench:dynamodb
 */
import { cpus } from 'node:os';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { tableDefinition } from '../functions/_shared/data/table-definition';
import { LocalDynamo } from '../local/dynamodb/engine';
import { inProcessClientOptions, serveDynamo } from '../local/dynamodb/server';
import { startDynamoThread } from '../local/dynamodb/thread';

const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'stepflow-bench';
const pad = (n: number) => String(n).padStart(8, '0');
const event = (i: number) => ({ type: 'node_completed', node_id: `step${i % 8}`, output: { n: i, text: 'x'.repeat(200) }, timestamp: new Date(0).toISOString() });

interface Result {
  readonly label: string;
  readonly perRequest: Record<string, { wallUs: number; cpuUs: number }>;
}

async function measure(label: string, doc: DynamoDBDocumentClient, client: DynamoDBClient): Promise<Result> {
  await client.send(new CreateTableCommand(tableDefinition(TABLE)));
  // A 1,000-event log to read the end of.
  for (let i = 1; i <= 1000; i++) await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'EX#e1', sk: `SEQ#${pad(i)}`, seq: i, event: event(i) } }));
  const requests: Record<string, (i: number) => Promise<unknown>> = {
    'claim a seq (conditional put)': (i) => doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'EX#e2', sk: `EID#${i}`, trying: i }, ConditionExpression: 'attribute_not_exists(pk)' })),
    'write the event (conditional put)': (i) =>
      doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'EX#e2', sk: `SEQ#${pad(i)}`, seq: i, eventId: `e${i}`, event: event(i) }, ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eid', ExpressionAttributeValues: { ':eid': `e${i}` } })),
    'update the node run (conditional update)': (i) =>
      doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'EX#e2', sk: `RUN#step${i % 8}` },
          UpdateExpression: 'SET #s = :s, attempts = :a, updatedAt = :t',
          ConditionExpression: 'attribute_not_exists(pk) OR attempts <= :a',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'SUCCEEDED', ':a': 1, ':t': new Date(0).toISOString() },
        }),
      ),
    'read the end of a 1,000-event log (query)': () => doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':p': 'EX#e1', ':a': 'SEQ#', ':b': 'SEQ#99999999' }, ScanIndexForward: false, Limit: 1 })),
    'get an item (consistent)': (i) => doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'EX#e1', sk: `SEQ#${pad(1 + (i % 1000))}` }, ConsistentRead: true })),
  };
  const perRequest: Result['perRequest'] = {};
  for (const [name, send] of Object.entries(requests)) {
    for (let i = 0; i < 200; i++) await send(100_000 + i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await send(i);
    const cpu = process.cpuUsage(c0);
    perRequest[name] = { wallUs: ((performance.now() - t0) * 1000) / N, cpuUs: (cpu.user + cpu.system) / N };
  }
  return { label, perRequest };
}

/** local/dynamodb's own work per request, without any client: what the protocol handling costs. */
async function engineOnly(): Promise<Result> {
  const db = await LocalDynamo.open();
  const h = (op: string, body: unknown) => db.handle(`DynamoDB_20120810.${op}`, JSON.stringify(body));
  h('CreateTable', tableDefinition(TABLE));
  const ev = (i: number) => ({ M: { type: { S: 'node_completed' }, n: { N: String(i) }, text: { S: 'x'.repeat(200) } } });
  for (let i = 1; i <= 1000; i++) h('PutItem', { TableName: TABLE, Item: { pk: { S: 'EX#e1' }, sk: { S: `SEQ#${pad(i)}` }, seq: { N: String(i) }, event: ev(i) } });
  const requests: Record<string, (i: number) => unknown> = {
    'write the event (conditional put)': (i) => h('PutItem', { TableName: TABLE, Item: { pk: { S: 'EX#e2' }, sk: { S: `SEQ#${pad(i)}` }, eventId: { S: `e${i}` }, event: ev(i) }, ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eid', ExpressionAttributeValues: { ':eid': { S: `e${i}` } } }),
    'read the end of a 1,000-event log (query)': () => h('Query', { TableName: TABLE, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':p': { S: 'EX#e1' }, ':a': { S: 'SEQ#' }, ':b': { S: 'SEQ#99999999' } }, ScanIndexForward: false, Limit: 1 }),
  };
  const perRequest: Result['perRequest'] = {};
  for (const [name, send] of Object.entries(requests)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N * 5; i++) send(i);
    const cpu = process.cpuUsage(c0);
    perRequest[name] = { wallUs: ((performance.now() - t0) * 1000) / (N * 5), cpuUs: (cpu.user + cpu.system) / (N * 5) };
  }
  await db.close();
  return { label: 'local/dynamodb alone (no client, no transport)', perRequest };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  {
    const thread = await startDynamoThread();
    const client = new DynamoDBClient({ region: 'us-east-1', credentials, ...inProcessClientOptions(thread.handler(), thread.url) });
    results.push(await measure('local/dynamodb on its thread, through a MessagePort (the platform)', DynamoDBDocumentClient.from(client), client));
    client.destroy();
    await thread.close();
  }
  {
    const db = await LocalDynamo.open();
    const server = await serveDynamo(db);
    const client = new DynamoDBClient({ region: 'us-east-1', credentials, endpoint: server.url });
    results.push(await measure('local/dynamodb over HTTP (tools)', DynamoDBDocumentClient.from(client), client));
    client.destroy();
    await server.close();
    await db.close();
  }
  {
    const server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = new DynamoDBClient({ region: 'us-east-1', credentials, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    results.push(await measure('dynalite over HTTP (the platform before)', DynamoDBDocumentClient.from(client), client));
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  results.push(await engineOnly());
  console.log(`one DynamoDB request, sequential, ${N} of each (wall-clock µs / CPU µs of all threads):`);
  for (const r of results) {
    console.log(`  ${r.label}`);
    for (const [name, v] of Object.entries(r.perRequest)) console.log(`    ${name.padEnd(44)} ${v.wallUs.toFixed(0).padStart(6)} µs / ${v.cpuUs.toFixed(0).padStart(6)} µs`);
  }
  console.log(`(Node ${process.versions.node}, ${cpus().length} cores)`);
}

void main();
