import { loadEnv } from '../_shared/env';
import { loadJsonata } from '../_shared/jsonata';
import { nodeHandler } from '../_shared/node-handler';
import { awsNodeDeps } from '../_shared/wiring';
import { transformData } from './transform-data';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT']);
// Every invocation evaluates JSONata: load it during init, not in the first invocation.
loadJsonata();

export const handler = nodeHandler((invocation) => transformData(invocation), awsNodeDeps(env));
