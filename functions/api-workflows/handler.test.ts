import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext } from '../_shared/test-support/lambda-context';

const ENV = {
  TABLE_NAME: 'stepflow-test',
  ARTIFACTS_BUCKET: 'artifacts-test',
  USER_POOL_ID: 'eu-west-1_AbC123',
  USER_POOL_CLIENT_ID: 'client-1',
  STATE_MACHINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/stepflow-sfn',
  RUNTIME_FUNCTION_ARNS: '{"tool":"arn:aws:lambda:eu-west-1:123456789012:function:tool"}',
  AWS_REGION: 'eu-west-1',
  AWS_ACCOUNT_ID: '123456789012',
};

const event = (method: string, path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 =>
  ({ rawPath: path, headers, requestContext: { http: { method }, requestId: 'req-1', stage: '$default' } }) as unknown as APIGatewayProxyEventV2;

describe('API handlers (wiring)', () => {
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, ENV));
  afterAll(() => {
    process.env = saved;
  });

  it('load from the environment and answer through the router: 401 without credentials, 404 for an unknown route', async () => {
    // Loaded after the environment is set: the handlers parse it at module load (cold start).
    const workflows = require('./handler') as typeof import('./handler');
    const agents = require('../api-agents/handler') as typeof import('../api-agents/handler');

    expect(await workflows.handler(event('GET', '/api/v1/workflows'), lambdaContext())).toMatchObject({ statusCode: 401 });
    expect(await agents.handler(event('GET', '/api/v1/agents', { 'x-api-key': 'not-a-key' }), lambdaContext())).toMatchObject({ statusCode: 401 });
    expect(await agents.handler(event('GET', '/api/v1/nothing'), lambdaContext())).toMatchObject({ statusCode: 404 });
  });

  it('refuses to start with a malformed variable, naming it', () => {
    jest.isolateModules(() => {
      process.env.RUNTIME_FUNCTION_ARNS = '{not json';
      expect(() => require('./handler')).toThrow(/RUNTIME_FUNCTION_ARNS/);
      process.env.RUNTIME_FUNCTION_ARNS = ENV.RUNTIME_FUNCTION_ARNS;
    });
  });
});
