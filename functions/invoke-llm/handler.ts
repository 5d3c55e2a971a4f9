import { documentClient } from '../_shared/clients/dynamo';
import { loadEnv } from '../_shared/env';
import { modelsFromEnv } from '../_shared/models/from-env';
import { costOf } from '../_shared/models/pricing';
import { nodeHandler } from '../_shared/node-handler';
import { DynamoUsageLedger } from '../_shared/usage-ledger';
import { awsNodeDeps } from '../_shared/wiring';
import { invokeLlm } from './invoke-llm';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT', 'MODEL_MODE', 'LOCAL_MODEL_FIXTURE']);
const models = modelsFromEnv(env);

export const handler = nodeHandler(
  (invocation, ctx) => invokeLlm(invocation, { models, ledger: new DynamoUsageLedger(documentClient(), env.TABLE_NAME), pricing: costOf, emit: ctx.emit, signal: ctx.signal }),
  awsNodeDeps(env),
);
