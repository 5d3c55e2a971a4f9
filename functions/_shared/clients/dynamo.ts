import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lazyClient } from './lazy';

export const dynamo = lazyClient(() => new DynamoDBClient({}));
let doc: DynamoDBDocumentClient | undefined;
export const documentClient = () => (doc ??= DynamoDBDocumentClient.from(dynamo(), { marshallOptions: { removeUndefinedValues: true } }));
