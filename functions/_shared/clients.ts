/**
 * AWS SDK clients, built once per container and traced by X-Ray through Powertools. Each client
 * is created on first use, so a function bundles and initialises only the clients it uses.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

function lazy<T extends object>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= tracer.captureAWSv3Client(make()));
}

export const dynamo = lazy(() => new DynamoDBClient({}));
export const documentClient = (() => {
  let doc: DynamoDBDocumentClient | undefined;
  return () => (doc ??= DynamoDBDocumentClient.from(dynamo(), { marshallOptions: { removeUndefinedValues: true } }));
})();
// Path-style addressing for S3-protocol stand-ins (the local platform, tests).
export const s3 = lazy(() => new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }));
export const eventBridge = lazy(() => new EventBridgeClient({}));
export const sfn = lazy(() => new SFNClient({}));
export const lambda = lazy(() => new LambdaClient({}));
export const bedrock = lazy(() => new BedrockRuntimeClient({}));
export const secretsManager = lazy(() => new SecretsManagerClient({}));

const secretCache = new Map<string, Promise<string>>();
/** Reads a secret (cached for the container's life; never logged). */
export function secret(name: string): Promise<string> {
  let value = secretCache.get(name);
  if (!value) {
    value = secretsManager()
      .send(new GetSecretValueCommand({ SecretId: name }))
      .then((r) => r.SecretString ?? '');
    value.catch(() => secretCache.delete(name));
    secretCache.set(name, value);
  }
  return value;
}
