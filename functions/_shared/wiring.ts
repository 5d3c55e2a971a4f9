/**
 * The AWS adapters every node runtime is wired with: lifecycle events to the EventBridge bus,
 * large outputs to the artifacts bucket.
 */
import { eventBridge } from './clients/eventbridge';
import { BufferedEventSink, putLifecycleEvents } from './emit';
import type { ObjectStore } from './large-output';
import type { NodeHandlerDeps } from './node-handler';

/**
 * The artifacts bucket as a large-output store whose S3 client (~60 ms to load) is required on
 * first use: most invocations neither produce nor receive an output over 200 KB.
 */
function lazyS3Store(bucket: string): ObjectStore {
  let store: ObjectStore | undefined;
  const get = (): ObjectStore => {
    if (!store) {
      /* eslint-disable @typescript-eslint/no-require-imports -- deliberately deferred loading */
      const { s3 } = require('./clients/s3') as typeof import('./clients/s3');
      const { S3ObjectStore } = require('./s3-object-store') as typeof import('./s3-object-store');
      /* eslint-enable @typescript-eslint/no-require-imports */
      store = new S3ObjectStore(s3(), bucket);
    }
    return store;
  };
  return { putJson: (key, body) => get().putJson(key, body), getJson: (ref) => get().getJson(ref) };
}

export function awsNodeDeps(env: { EVENT_BUS_NAME: string; ARTIFACTS_BUCKET: string }): NodeHandlerDeps {
  const store = lazyS3Store(env.ARTIFACTS_BUCKET);
  return {
    objects: () => store,
    events: (inv) => new BufferedEventSink((events) => putLifecycleEvents(eventBridge(), env.EVENT_BUS_NAME, events), inv.execution.id, inv.workflow.id),
  };
}
