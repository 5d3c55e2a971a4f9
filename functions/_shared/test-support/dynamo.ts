/**
 * A real DynamoDB-protocol server (dynalite, in memory) on 127.0.0.1 with the Stepflow table,
 * for tests. Each call starts its own server; `stop()` closes it. With
 * `STEPFLOW_TEST_DYNAMO=local` the tests run against the local platform's own DynamoDB
 * (local/dynamodb) instead, which is how it is checked against everything the data layer does.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { LocalDynamo as LocalDynamoEngine } from '../../../local/dynamodb/engine';
import { serveDynamo } from '../../../local/dynamodb/server';
import { tableDefinition } from '../data/table-definition';

export interface LocalDynamo {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startDynamo(tableName = 'stepflow-test'): Promise<LocalDynamo> {
  let endpoint: string;
  let close: () => Promise<void>;
  if (process.env.STEPFLOW_TEST_DYNAMO === 'local') {
    const engine = await LocalDynamoEngine.open();
    const served = await serveDynamo(engine);
    endpoint = served.url;
    close = () => served.close().then(() => engine.close());
  } else {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    endpoint = `http://127.0.0.1:${port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    doc,
    tableName,
    endpoint,
    stop: async () => {
      client.destroy();
      await close();
    },
  };
}
