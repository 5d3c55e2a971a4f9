/**
 * The AWS adapters every node runtime is wired with: lifecycle events to the EventBridge bus,
 * large outputs to the artifacts bucket.
 */
import { documentClient } from './clients/dynamo';
import { eventBridge } from './clients/eventbridge';
import { ExecutionRepository } from './data/executions';
import { NodeRunRepository } from './data/node-runs';
import type { LifecycleStore } from './lifecycle';
import { BufferedEventSink, putLifecycleEvents } from './emit';
import type { ObjectStore } from './large-output';
import type { NodeHandlerDeps } from './node-handler';
import { logger } from './powertools';

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

/** The lifecycle middleware's store: the execution record's pause flag, node runs, the bus. */
export function awsLifecycleStore(env: { TABLE_NAME: string; EVENT_BUS_NAME: string }): LifecycleStore {
  const doc = documentClient();
  const executions = new ExecutionRepository(doc, env.TABLE_NAME);
  const runs = new NodeRunRepository(doc, env.TABLE_NAME);
  return {
    isPaused: async (tenantId, executionId) => {
      const record = await executions.find(tenantId, executionId);
      return record ? record.pauseRequested || record.status === 'PAUSED' : false;
    },
    attemptsSoFar: async (tenantId, executionId, nodeId, iteration) => (await runs.find(tenantId, executionId, nodeId, iteration))?.attempts ?? 0,
    record: async (tenantId, event) => void (await runs.applyEvent(tenantId, event)),
    put: (events) => putLifecycleEvents(eventBridge(), env.EVENT_BUS_NAME, events),
  };
}

export function awsNodeDeps(env: { EVENT_BUS_NAME: string; ARTIFACTS_BUCKET: string; TABLE_NAME: string; DEFAULT_TENANT?: string }): NodeHandlerDeps {
  const store = lazyS3Store(env.ARTIFACTS_BUCKET);
  return {
    lifecycle: { store: awsLifecycleStore(env), defaultTenant: env.DEFAULT_TENANT ?? 'default', log: (message, err) => logger.error(message, err as Error) },
    objects: () => store,
    events: (inv) => new BufferedEventSink((events) => putLifecycleEvents(eventBridge(), env.EVENT_BUS_NAME, events), inv.execution.id, inv.workflow.id),
  };
}
