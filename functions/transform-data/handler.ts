import { loadEnv } from '../_shared/env';
import { nodeHandler } from '../_shared/node-handler';
import { awsNodeDeps } from '../_shared/wiring';
import { transformData } from './transform-data';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT']);

export const handler = nodeHandler((invocation) => transformData(invocation), awsNodeDeps(env));
