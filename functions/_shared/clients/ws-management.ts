/**
 * Posting to WebSocket connections through API Gateway's @connections API (or the local
 * gateway's, which speaks the same wire format): a connection that is gone answers 410, which
 * becomes `'gone'` so the caller can forget it.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

export type PostOutcome = 'sent' | 'gone';
export type ConnectionPoster = (connectionId: string, data: string) => Promise<PostOutcome>;

const clients = new Map<string, ApiGatewayManagementApiClient>();

/**
 * One client per endpoint (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`), built on
 * first use by `make` (the Lambdas wrap it for X-Ray). This module does not load the tracer
 * itself: the local platform imports it, and X-Ray's context tracking (an async hook on every
 * promise) would tax the whole process.
 */
export function managementClient(endpoint: string, make: (endpoint: string) => ApiGatewayManagementApiClient = (e) => new ApiGatewayManagementApiClient({ endpoint: e })): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = make(endpoint);
    clients.set(endpoint, client);
  }
  return client;
}

/**
 * @example
 * ```ts
 * const post = connectionPoster(managementClient(env.WS_MANAGEMENT_ENDPOINT));
 * if ((await post(id, JSON.stringify(msg))) === 'gone') await connections.disconnect(id);
 * ```
 */
export function connectionPoster(client: ApiGatewayManagementApiClient): ConnectionPoster {
  const encoder = new TextEncoder();
  return async (connectionId, data) => {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: encoder.encode(data) }));
      return 'sent';
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'GoneException' || e.$metadata?.httpStatusCode === 410) return 'gone';
      throw err;
    }
  };
}
