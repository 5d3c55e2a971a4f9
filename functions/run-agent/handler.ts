import { documentClient } from '../_shared/clients/dynamo';
import { loadEnv } from '../_shared/env';
import { modelsFromEnv } from '../_shared/models/from-env';
import { costOf } from '../_shared/models/pricing';
import { nodeHandler } from '../_shared/node-handler';
import { DynamoUsageLedger } from '../_shared/usage-ledger';
import { awsNodeDeps } from '../_shared/wiring';
import { toolsFromEnv } from '../run-tool/tools-from-env';
import { DynamoAgentMemory } from './agent-memory';
import { DynamoAgentStore } from './agent-store';
import { runAgent } from './run-agent';
import { toolboxFromRegistry } from './toolbox';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT', 'MODEL_MODE', 'LOCAL_MODEL_FIXTURE', 'TOOL_HTTP_ALLOW_HOSTS', 'TOOL_HTTP_TIMEOUT_MS', 'TOOL_HTTP_MAX_BYTES', 'TOOL_S3_ALLOW_BUCKETS']);
const models = modelsFromEnv(env);
const tools = toolboxFromRegistry(toolsFromEnv(env));

export const handler = nodeHandler((invocation, ctx) => {
  const doc = documentClient();
  return runAgent(invocation, {
    models,
    tools,
    agents: new DynamoAgentStore(doc, env.TABLE_NAME),
    memory: new DynamoAgentMemory(doc, env.TABLE_NAME),
    ledger: new DynamoUsageLedger(doc, env.TABLE_NAME),
    pricing: costOf,
    emit: ctx.emit,
    signal: ctx.signal,
  });
}, awsNodeDeps(env));
