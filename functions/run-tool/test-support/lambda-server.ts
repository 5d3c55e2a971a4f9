/**
 * A local HTTP server that speaks the Lambda Invoke wire protocol, so a real LambdaClient
 * (endpoint http://127.0.0.1:PORT) can be tested end to end:
 *   POST /2015-03-31/functions/{FunctionName}/invocations, body = payload;
 *   the response body is the function's result, `X-Amz-Function-Error: Unhandled` marks an error;
 *   service errors carry `x-amzn-ErrorType` and a JSON body, as Lambda sends them.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { readBody, startHttpServer, type LocalHttpServer } from './http-server';

export type FakeFunction = (payload: unknown) =>
  | { readonly result: unknown }
  | { readonly error: { errorType: string; errorMessage: string } }
  | { readonly serviceError: { status: number; type: string; message: string } };

export interface RecordedInvocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
  readonly payload: unknown;
}

export interface LocalLambda extends LocalHttpServer {
  readonly client: LambdaClient;
  readonly invocations: RecordedInvocation[];
}

export async function startLambda(functions: Record<string, FakeFunction>): Promise<LocalLambda> {
  const invocations: RecordedInvocation[] = [];
  const http = await startHttpServer((req, res) => {
    void (async () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
      const body = await readBody(req);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
        res.end(JSON.stringify({ message: 'unknown operation' }));
        return;
      }
      const functionName = decodeURIComponent(match[1] as string);
      const payload: unknown = body ? JSON.parse(body) : null;
      invocations.push({ functionName, invocationType: req.headers['x-amz-invocation-type'] as string | undefined, payload });
      // Lambda accepts an ARN, a partial ARN or a name; the fake keys functions by name.
      const fn = functions[functionName.split(':function:').pop()?.split(':')[0] ?? functionName];
      if (!fn) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
        return;
      }
      const outcome = fn(payload);
      if ('serviceError' in outcome) {
        res.writeHead(outcome.serviceError.status, { 'content-type': 'application/json', 'x-amzn-errortype': outcome.serviceError.type });
        res.end(JSON.stringify({ Type: outcome.serviceError.status >= 500 ? 'Service' : 'User', message: outcome.serviceError.message }));
        return;
      }
      if ('error' in outcome) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
        res.end(JSON.stringify({ ...outcome.error, trace: ['at handler (index.js:1:1)'] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
      res.end(JSON.stringify(outcome.result));
    })();
  });
  const client = new LambdaClient({
    endpoint: http.origin,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // One attempt: the workflow's retry policy, not the SDK, decides about retries in these tests.
    maxAttempts: 1,
  });
  return {
    ...http,
    client,
    invocations,
    stop: async () => {
      client.destroy();
      await http.stop();
    },
  };
}
