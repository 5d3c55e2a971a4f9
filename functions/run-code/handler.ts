import { nodeHandler } from '../_shared/node-handler';
import { logger } from '../_shared/powertools';
import { runCode } from './run-code';

// This function's role grants nothing beyond writing its logs (the sandboxed child has no
// credentials either), so it has no lifecycle middleware, no bus and no artifacts bucket: the
// user's console lines go to its log, and an output must fit the state payload.
const logSink = { emit: (e: { type: string; message?: string }) => void logger.info('code node console', { line: e.message ?? '' }), flush: async () => undefined };

export const handler = nodeHandler(async (invocation, ctx) => {
  const { output, logs } = await runCode(invocation);
  for (const line of logs) await ctx.emit({ type: 'log', node_id: invocation.node.id, level: 'info', message: line, data: { source: 'console' } });
  return { output };
}, { events: () => logSink });
