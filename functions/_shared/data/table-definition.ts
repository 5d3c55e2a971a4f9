/**
 * The Stepflow table's shape: what the CDK stack deploys and what the local platform and the
 * tests create on their DynamoDB-protocol servers.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GSI1, TableKeys } from './keys';

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: TableKeys.pk, KeyType: 'HASH' },
      { AttributeName: TableKeys.sk, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: TableKeys.pk, AttributeType: 'S' },
      { AttributeName: TableKeys.sk, AttributeType: 'S' },
      { AttributeName: TableKeys.gsi1pk, AttributeType: 'S' },
      { AttributeName: TableKeys.gsi1sk, AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: TableKeys.gsi1pk, KeyType: 'HASH' },
          { AttributeName: TableKeys.gsi1sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
