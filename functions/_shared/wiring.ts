/**
 * The AWS adapters every node runtime is wired with: lifecycle events to the EventBridge bus,
 * large outputs to the artifacts bucket.
 */
import { eventBridge } from './clients/eventbridge';
import { BufferedEventSink, putLifecycleEvents } from './emit';
import { lazyS3Store } from './lazy-s3-store';
import type { NodeHandlerDeps } from './node-handler';

export function awsNodeDeps(env: { EVENT_BUS_NAME: string; ARTIFACTS_BUCKET: string }): NodeHandlerDeps {
  const store = lazyS3Store(env.ARTIFACTS_BUCKET);
  return {
    objects: () => store,
    events: (inv) => new BufferedEventSink((events) => putLifecycleEvents(eventBridge(), env.EVENT_BUS_NAME, events), inv.execution.id, inv.workflow.id),
  };
}
