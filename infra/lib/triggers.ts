/**
 * A workflow's triggers (`settings.triggers`), each starting an execution of its state machine
 * with the trigger's payload as input, each with its own dead-letter queue (SQS, encrypted,
 * TLS only) for starts that still fail after retries:
 *
 * - `s3`: EventBridge notifications on the bucket and a rule on the default bus for
 *   `Object Created` under the prefix (input: `{ bucket, key, size, etag }`);
 * - `eventbridge`: a rule with the workflow's pattern on the Stepflow bus (input: the event);
 * - `schedule`: an EventBridge Scheduler schedule (input: the trigger's `input` and `scheduledTime`);
 *
 * The inputs are the ones the local platform gives (local/platform/triggers.ts), so a workflow
 * reads the same fields wherever it runs.
 * - `webhook`: nothing at synth; `POST /hooks/{id}` on the REST API starts the run.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { WorkflowSettings } from '@shared/workflow';
import { acknowledge } from './nag';

export type Trigger = WorkflowSettings['triggers'][number];

export interface WorkflowTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly triggers: readonly Trigger[];
  /** The bus `eventbridge` triggers listen on (the Stepflow bus). */
  readonly eventBus: events.IEventBus;
  /** Where the triggers came from, for error messages. */
  readonly source?: string;
}

/** EventBridge's JSON pattern fields and the CDK's names for them. */
const PATTERN_FIELDS: Readonly<Record<string, keyof events.EventPattern>> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

/** Converts an EventBridge JSON event pattern into the CDK's `EventPattern`, naming unknown fields. */
export function toEventPattern(pattern: Readonly<Record<string, unknown>>, where: string): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(pattern)) {
    const cdkName = PATTERN_FIELDS[field];
    if (!cdkName) throw new Error(`${where}: the eventbridge trigger's pattern has an unknown top-level field "${field}" (known: ${Object.keys(PATTERN_FIELDS).join(', ')})`);
    out[cdkName] = value;
  }
  if (Object.keys(out).length === 0) throw new Error(`${where}: the eventbridge trigger's pattern is empty; it would match every event on the bus`);
  return out as events.EventPattern;
}

export class WorkflowTriggers extends Construct {
  /** One dead-letter queue per trigger, in the order of `settings.triggers`, webhooks excluded. */
  readonly deadLetterQueues: sqs.Queue[] = [];

  constructor(scope: Construct, id: string, props: WorkflowTriggersProps) {
    super(scope, id);
    const where = props.source ?? this.node.path;
    props.triggers.forEach((trigger, index) => {
      const tid = `${trigger.kind.charAt(0).toUpperCase()}${trigger.kind.slice(1)}${index}`;
      if (trigger.kind === 'webhook') {
        // Served by the platform's api-hooks function (StepflowWorkflow registers it).
        return;
      }
      const dlq = new sqs.Queue(this, `${tid}DeadLetters`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.deadLetterQueues.push(dlq);
      acknowledge(dlq, 'AwsSolutions-SQS3', 'this queue is itself the dead-letter queue of the trigger (starts that still fail after retries land here); a queue behind it would have nothing to catch');
      const delivery = { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) };

      switch (trigger.kind) {
        case 's3': {
          const bucket = s3.Bucket.fromBucketName(this, `${tid}Bucket`, trigger.bucket);
          bucket.enableEventBridgeNotification();
          acknowledgeNotificationsHandler(this);
          new events.Rule(this, tid, {
            description: `Starts ${where} when an object is created in s3://${trigger.bucket}/${trigger.prefix}`,
            eventPattern: {
              source: ['aws.s3'],
              detailType: ['Object Created'],
              detail: { bucket: { name: [trigger.bucket] }, ...(trigger.prefix ? { object: { key: [{ prefix: trigger.prefix }] } } : {}) },
            },
            targets: [
              new eventTargets.SfnStateMachine(props.stateMachine, {
                ...delivery,
                input: events.RuleTargetInput.fromObject({
                  bucket: events.EventField.fromPath('$.detail.bucket.name'),
                  key: events.EventField.fromPath('$.detail.object.key'),
                  size: events.EventField.fromPath('$.detail.object.size'),
                  etag: events.EventField.fromPath('$.detail.object.etag'),
                }),
              }),
            ],
          });
          break;
        }
        case 'eventbridge':
          new events.Rule(this, tid, {
            description: `Starts ${where} on matching events of the Stepflow bus`,
            eventBus: props.eventBus,
            eventPattern: toEventPattern(trigger.pattern, where),
            targets: [new eventTargets.SfnStateMachine(props.stateMachine, delivery)],
          });
          break;
        case 'schedule':
          new scheduler.Schedule(this, tid, {
            description: `Starts ${where} on ${trigger.expression}`,
            schedule: scheduler.ScheduleExpression.expression(trigger.expression),
            target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
              ...delivery,
              input: scheduler.ScheduleTargetInput.fromObject({ ...(trigger.input ?? {}), scheduledTime: scheduler.ContextAttribute.scheduledTime }),
            }),
          });
          break;
      }
    });
  }
}

/**
 * `enableEventBridgeNotification` on a bucket of another stack (the customer's) goes through
 * the CDK's own singleton custom resource handler, created at the stack root.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const stack = Stack.of(scope);
  const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "the CDK's own BucketNotificationsHandler (a deploy-time custom resource that turns on EventBridge notifications of an existing bucket) comes with this managed policy and only writes its logs with it; it runs during deployments only");
}
