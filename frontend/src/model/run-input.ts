import { renderValue } from '@shared/template';

/**
 * What a node received: its config (from the version that ran) with every reference resolved
 * against this run's input and the outputs that came before it, as the runtime renders it.
 */
export function nodeInput(config: unknown, run: { input?: unknown; executionId?: string; startedAt?: string; outputs: Record<string, unknown> }): { value?: unknown; error?: string } {
  if (config === undefined) return {};
  try {
    const nodes = Object.fromEntries(Object.entries(run.outputs).map(([id, output]) => [id, { output }]));
    return { value: renderValue(config, { nodes, input: run.input, execution: { ...(run.executionId ? { id: run.executionId } : {}), ...(run.startedAt ? { startTime: run.startedAt } : {}) } }) };
  } catch (err) {
    return { value: config, error: (err as Error).message };
  }
}
