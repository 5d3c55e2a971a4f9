/**
 * The `$connect` Lambda REQUEST authorizer of the WebSocket API: wiring only.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { documentClient } from '../_shared/clients/dynamo';
import { ApiKeyRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { logger } from '../_shared/powertools';
import { authorizeConnect, authorizerContext } from './ws-authorizer';

const env = loadEnv(['TABLE_NAME', 'USER_POOL_ID', 'USER_POOL_CLIENT_ID']);
const authenticators = { jwt: createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID }), apiKeys: new ApiKeyRepository(documentClient(), env.TABLE_NAME) };

export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    try {
      const identity = await authorizeConnect(event.queryStringParameters ?? {}, authenticators);
      return { principalId: identity.userId, policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] }, context: authorizerContext(identity) };
    } catch (err) {
      logger.info('WebSocket connect refused', { reason: (err as Error).message });
      // API Gateway answers 401 for this exact message.
      throw new Error('Unauthorized');
    }
  });
