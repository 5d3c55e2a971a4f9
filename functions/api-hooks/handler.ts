/**
 * The webhook route `POST /hooks/{id}` of the REST API (no authorizer: the hook's secret signs
 * the body): wiring only (api-hooks.ts has the logic).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { documentClient } from '../_shared/clients/dynamo';
import { secret } from '../_shared/clients/secrets';
import { sfn } from '../_shared/clients/sfn';
import { ExecutionRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { errorResponse } from '../_shared/http/api';
import { fromApiGateway } from '../_shared/http/apigw';
import { logger, tracer } from '../_shared/powertools';
import { AwsStepFunctions } from '../_shared/stepfunctions';
import { handleHook, type HookTarget } from './api-hooks';

const env = loadEnv(['TABLE_NAME', 'DEFAULT_TENANT', 'AWS_REGION', 'AWS_ACCOUNT_ID', 'HOOKS']);
const deps = {
  hooks: env.HOOKS as Record<string, HookTarget>,
  secret,
  stepFunctions: new AwsStepFunctions({ sfn: sfn(), region: env.AWS_REGION, accountId: env.AWS_ACCOUNT_ID }),
  executions: new ExecutionRepository(documentClient(), env.TABLE_NAME),
  defaultTenant: env.DEFAULT_TENANT,
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(captureLambdaHandler(tracer))
  .handler(async (event) => {
    try {
      return await handleHook(fromApiGateway(event), deps);
    } catch (err) {
      return errorResponse(err, (message, e) => logger.error(message, e as Error));
    }
  });
