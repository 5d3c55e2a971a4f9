/**
 * Moves a data folder's DynamoDB data from dynalite (the local platform's DynamoDB until
 * local/dynamodb) into the local DynamoDB's journal, once: tables with their keys and indexes,
 * then every item. The old folder is left as it was.
 */
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand, type AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LocalDynamo } from './engine';

/**
 * @returns the number of tables and items moved
 * @example
 * ```ts
 * await migrateFromDynalite('.stepflow/dynamodb', '.stepflow/dynamodb.jsonl');
 * ```
 */
export async function migrateFromDynalite(dynaliteDir: string, journalFile: string): Promise<{ tables: number; items: number }> {
  const server = dynalite({ path: dynaliteDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const db = await LocalDynamo.open({ journalFile });
  const call = (op: string, body: unknown) => {
    const r = db.handle(`DynamoDB_20120810.${op}`, JSON.stringify(body));
    if (r.status !== 200) throw new Error(`moving the DynamoDB data from ${dynaliteDir}: ${op} failed: ${r.body}`);
  };
  let tables = 0;
  let items = 0;
  try {
    const names = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    for (const name of names) {
      const t = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
      if (!t) continue;
      const index = (i: { IndexName?: string; KeySchema?: unknown; Projection?: unknown }) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection });
      call('CreateTable', {
        TableName: name,
        KeySchema: t.KeySchema,
        AttributeDefinitions: t.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(t.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: t.GlobalSecondaryIndexes.map(index) } : {}),
        ...(t.LocalSecondaryIndexes ? { LocalSecondaryIndexes: t.LocalSecondaryIndexes.map(index) } : {}),
      });
      tables += 1;
      let start: Record<string, SdkAttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: name, ...(start ? { ExclusiveStartKey: start } : {}) }));
        for (const item of page.Items ?? []) {
          call('PutItem', { TableName: name, Item: item });
          items += 1;
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
    await db.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { tables, items };
}
