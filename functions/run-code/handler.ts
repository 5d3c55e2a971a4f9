import { loadEnv } from '../_shared/env';
import { nodeHandler } from '../_shared/node-handler';
import { awsNodeDeps } from '../_shared/wiring';
import { runCode } from './run-code';

// This function's role grants nothing beyond writing its logs: the sandboxed child has no
// credentials anyway, and events and large outputs go through the platform's other functions.
const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET']);

export const handler = nodeHandler(async (invocation, ctx) => {
  const { output, logs } = await runCode(invocation);
  for (const line of logs) await ctx.emit({ type: 'log', node_id: invocation.node.id, level: 'info', message: line, data: { source: 'console' } });
  return { output };
}, awsNodeDeps(env));
