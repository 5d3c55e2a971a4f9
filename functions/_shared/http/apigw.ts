/**
 * API Gateway (HTTP API, payload v2) in and out of the framework, as a middy handler with
 * Powertools logging and tracing. The local platform serves the same router over node:http.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger, tracer } from '../powertools';
import { dispatch, type ApiRequest, type DispatchDeps, type Router } from './api';

/** Converts an HTTP API event (the stage prefix removed from the path). */
export function fromApiGateway(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const stage = event.requestContext?.stage;
  let path = event.rawPath ?? '/';
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path,
    query: { ...(event.queryStringParameters ?? {}) },
    headers,
    body,
    requestId: event.requestContext?.requestId ?? 'unknown',
  };
}

/**
 * @example
 * ```ts
 * export const handler = apiGatewayHandler(() => new Router(workflowRoutes(deps)), () => dispatchDeps);
 * ```
 */
export function apiGatewayHandler(router: () => Router, deps: () => DispatchDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(captureLambdaHandler(tracer))
    .handler(async (event) => {
      const request = fromApiGateway(event);
      logger.appendKeys({ route: `${request.method} ${request.path}` });
      const response = await dispatch(router(), request, { ...deps(), log: (m, err) => logger.error(m, err as Error) });
      return { statusCode: response.statusCode, headers: response.headers ?? {}, ...(response.body === undefined ? {} : { body: response.body }) };
    });
}
