import { DynamoCallbackStore } from '../_shared/callbacks';
import { documentClient } from '../_shared/clients/dynamo';
import { loadEnv } from '../_shared/env';
import { nodeHandler } from '../_shared/node-handler';
import { awsNodeDeps } from '../_shared/wiring';
import { recordCallback } from './record-callback';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT']);

export const handler = nodeHandler((invocation, ctx) => recordCallback(invocation, { callbacks: new DynamoCallbackStore(documentClient(), env.TABLE_NAME), emit: ctx.emit }), awsNodeDeps(env));
