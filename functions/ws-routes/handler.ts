/**
 * The WebSocket API's `$connect`, `$disconnect` and `$default` routes: wiring only
 * (ws-routes.ts has the logic).
 */
import middy from '@middy/core';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoCallbackStore } from '../_shared/callbacks';
import { documentClient } from '../_shared/clients/dynamo';
import { lazyClient } from '../_shared/clients/lazy';
import { sfn } from '../_shared/clients/sfn';
import { connectionPoster, managementClient } from '../_shared/clients/ws-management';
import { ConnectionRepository, ExecutionRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { logger, tracer } from '../_shared/powertools';
import { SfnTaskCallbacks } from '../_shared/task-callbacks';
import { answerInput } from '../request-input/answer-input';
import { onConnect, onDisconnect, onMessage, type WsRouteDeps } from './ws-routes';

const env = loadEnv(['TABLE_NAME', 'WS_MANAGEMENT_ENDPOINT', 'FANOUT_QUEUE_URL', 'FANOUT_MESSAGE_GROUP']);
const doc = documentClient();
const sqs = lazyClient(() => new SQSClient({}));
const callbacks = new DynamoCallbackStore(doc, env.TABLE_NAME);
const deps: WsRouteDeps = {
  connections: new ConnectionRepository(doc, env.TABLE_NAME),
  executions: new ExecutionRepository(doc, env.TABLE_NAME),
  post: connectionPoster(managementClient(env.WS_MANAGEMENT_ENDPOINT, (endpoint) => tracer.captureAWSv3Client(new ApiGatewayManagementApiClient({ endpoint })))),
  // A catch-up must be in the same FIFO group as its execution's events, or an event handled
  // between its read of the log and its subscription would reach neither.
  queueCatchUp: async (job) => {
    await sqs().send(new SendMessageCommand({ QueueUrl: env.FANOUT_QUEUE_URL, MessageBody: JSON.stringify(job), MessageGroupId: env.FANOUT_MESSAGE_GROUP ?? job.executionId, MessageDeduplicationId: `${job.connectionId}:${job.executionId}:${job.afterSeq}:${Date.now()}` }));
  },
  answer: async (req) => {
    const r = await answerInput({ callbacks, tasks: new SfnTaskCallbacks(sfn()) }, req);
    return { nodeId: r.nodeId, requestId: r.requestId };
  },
  logger: { error: (message, err) => logger.error(message, err as Error) },
};

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(captureLambdaHandler(tracer))
  .handler(async (event) => {
    const { connectionId, routeKey } = event.requestContext;
    if (routeKey === '$connect') {
      // The REQUEST authorizer's context (the WebSocket event type does not declare it).
      const auth = (event.requestContext as unknown as { authorizer?: { tenantId?: string; userId?: string; roles?: string } }).authorizer;
      if (!auth?.tenantId || !auth.userId) return { statusCode: 401 };
      await onConnect(connectionId, { tenantId: auth.tenantId, userId: auth.userId, roles: (auth.roles ?? '').split(',').filter(Boolean) }, deps);
    } else if (routeKey === '$disconnect') {
      await onDisconnect(connectionId, deps);
    } else {
      await onMessage(connectionId, event.body, deps);
    }
    return { statusCode: 200 };
  });
