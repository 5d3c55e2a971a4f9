/**
 * The REST API's Lambda authorizer (HTTP API, simple responses): wiring only (api-authorizer.ts
 * has the logic).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { documentClient } from '../_shared/clients/dynamo';
import { ApiKeyRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { logger } from '../_shared/powertools';
import { authorizeHttp, type HttpAuthorization } from './api-authorizer';

const env = loadEnv(['TABLE_NAME', 'USER_POOL_ID', 'USER_POOL_CLIENT_ID']);
const authenticators = { jwt: createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID }), apiKeys: new ApiKeyRepository(documentClient(), env.TABLE_NAME) };

export const handler = middy<APIGatewayRequestAuthorizerEventV2, HttpAuthorization>()
  .use(injectLambdaContext(logger, { clearState: true }))
  // Reasons are logged, credentials never are.
  .handler(async (event) => authorizeHttp(event.headers ?? {}, authenticators, (reason) => logger.info('request refused', { reason, routeKey: event.routeKey })));
