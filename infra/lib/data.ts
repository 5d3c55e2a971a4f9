/**
 * Stepflow's state: the single DynamoDB table (its keys come from the data layer's own table
 * definition, so the two cannot drift), the EventBridge bus that carries lifecycle events, and
 * the S3 bucket for large node outputs and publish artifacts (with a bucket for its access logs).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TableKeys } from '../../functions/_shared/data/keys';
import { tableDefinition } from '../../functions/_shared/data/table-definition';

export interface StepflowDataProps {
  /**
   * Days after which stored large outputs and artifacts expire. Executions reference them for
   * as long as their history is kept (at most 90 days after a run ends on Step Functions).
   * @default 120
   */
  readonly artifactRetentionDays?: number;
  /**
   * What happens to the table and the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN (workflows, executions and audit records outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

function attributeType(definition: ReturnType<typeof tableDefinition>, name: string): dynamodb.AttributeType {
  const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  if (type === 'S') return dynamodb.AttributeType.STRING;
  if (type === 'N') return dynamodb.AttributeType.NUMBER;
  if (type === 'B') return dynamodb.AttributeType.BINARY;
  throw new Error(`table-definition.ts declares no attribute type for key "${name}"`);
}

function keySchema(definition: ReturnType<typeof tableDefinition>, schema: readonly { AttributeName?: string; KeyType?: string }[] | undefined) {
  const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (!hash) throw new Error('table-definition.ts declares a key schema without a HASH key');
  return {
    partitionKey: { name: hash, type: attributeType(definition, hash) },
    ...(range ? { sortKey: { name: range, type: attributeType(definition, range) } } : {}),
  };
}

export class StepflowData extends Construct {
  readonly table: dynamodb.Table;
  readonly eventBus: events.EventBus;
  readonly artifactsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StepflowDataProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const definition = tableDefinition('stepflow');

    this.table = new dynamodb.Table(this, 'Table', {
      ...keySchema(definition, definition.KeySchema),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TableKeys.ttl,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const gsi of definition.GlobalSecondaryIndexes ?? []) {
      if (!gsi.IndexName) continue;
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.IndexName,
        ...keySchema(definition, gsi.KeySchema),
        projectionType: gsi.Projection?.ProjectionType === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }

    this.eventBus = new events.EventBus(this, 'Bus', { description: 'Stepflow lifecycle events (source "stepflow")' });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
    });
    this.artifactsBucket = new s3.Bucket(this, 'Artifacts', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        {
          id: 'expire-artifacts',
          expiration: Duration.days(props.artifactRetentionDays ?? 120),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
  }
}
