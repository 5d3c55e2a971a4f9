/**
 * The AWS adapters every node runtime is wired with: lifecycle events to the EventBridge bus,
 * large outputs to the artifacts bucket.
 */
import { eventBridge } from './clients/eventbridge';
import { s3 } from './clients/s3';
import { BufferedEventSink, putLifecycleEvents } from './emit';
import { S3ObjectStore } from './large-output';
import type { NodeHandlerDeps } from './node-handler';

export function awsNodeDeps(env: { EVENT_BUS_NAME: string; ARTIFACTS_BUCKET: string }): NodeHandlerDeps {
  let store: S3ObjectStore | undefined;
  return {
    objects: () => (store ??= new S3ObjectStore(s3(), env.ARTIFACTS_BUCKET)),
    events: (inv) => new BufferedEventSink((events) => putLifecycleEvents(eventBridge(), env.EVENT_BUS_NAME, events), inv.execution.id, inv.workflow.id),
  };
}
