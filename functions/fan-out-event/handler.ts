/**
 * The fan-out Lambda: wiring only (fan-out-event.ts has the logic). Its event source is the SQS
 * FIFO queue that the EventBridge rules (Stepflow events, Step Functions status changes) and the
 * WebSocket subscribe route feed, grouped by execution id, with partial batch responses.
 */
import middy from '@middy/core';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { documentClient } from '../_shared/clients/dynamo';
import { connectionPoster, managementClient } from '../_shared/clients/ws-management';
import { ConnectionRepository, ExecutionEventLog, ExecutionRepository, NodeRunRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { logger, tracer } from '../_shared/powertools';
import { FanOutCache, fanOutBatch, type FanOutDeps } from './fan-out-event';

const env = loadEnv(['TABLE_NAME', 'WS_MANAGEMENT_ENDPOINT', 'DEFAULT_TENANT']);
const doc = documentClient();
const deps: FanOutDeps = {
  log: new ExecutionEventLog(doc, env.TABLE_NAME),
  connections: new ConnectionRepository(doc, env.TABLE_NAME),
  executions: new ExecutionRepository(doc, env.TABLE_NAME),
  nodeRuns: new NodeRunRepository(doc, env.TABLE_NAME),
  post: connectionPoster(managementClient(env.WS_MANAGEMENT_ENDPOINT, (endpoint) => tracer.captureAWSv3Client(new ApiGatewayManagementApiClient({ endpoint })))),
  defaultTenant: env.DEFAULT_TENANT,
  cache: new FanOutCache(),
  logger: { warn: (message, extra) => logger.warn(message, extra ?? {}) },
};

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(captureLambdaHandler(tracer))
  .handler((event) => fanOutBatch(event.Records, deps, (messageId, err) => logger.error('fan-out message failed', { messageId, error: err as Error })));
