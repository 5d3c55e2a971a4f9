/**
 * Every example end to end with the real node runtimes (llm, agent, code sandbox, tools,
 * transforms, human input) on the deterministic local model — what `stepflow run` and the local
 * platform do with no AWS account. The scripted doubles of examples.test.ts check exact
 * orchestration; this checks the runtimes themselves carry every example through.
 */
import type { EventOfType, LifecycleEvent } from '@shared/events';
import { builtinTools } from '../functions/run-tool/tools';
import { defaultRuntimes, LocalEngine } from '../local/engine';
import { aiRuntimes } from '../local/engine/ai-runtimes';
import { folderResolver } from '../local/cli/load-workflow';
import { EXAMPLES_DIR, exampleIds, loadExample, loadSampleInput } from './test-support/run-example';

const answers: Record<string, unknown> = { approve_escalation: { approved: true, note: 'looked at it' } };

function engine(): LocalEngine {
  // http_request with an empty allow-list: the error-handling example's call is refused (no
  // network in tests) and its error edge takes over, as it would when the rates API is down.
  const tools = builtinTools({ http: { allowHosts: [], timeoutMs: 2_000 } });
  return new LocalEngine({
    runtimes: defaultRuntimes(tools).with(aiRuntimes({ tools, modelMode: 'local' })),
    resolveWorkflow: folderResolver(EXAMPLES_DIR),
    waitMs: 0,
    retryDelayMs: 0,
  });
}

describe.each(exampleIds())('example %s on the local model', (id) => {
  it('runs to SUCCEEDED with every LLM and agent answer labelled simulated and its tokens counted', async () => {
    const e = engine();
    const run = await e.start(loadExample(id), loadSampleInput(id));
    const events: LifecycleEvent[] = [];
    for await (const ev of run.events) {
      events.push(ev);
      if (ev.type === 'user_input_required') await e.answer(run.executionId, ev.node_id, answers[ev.node_id]);
    }
    const outcome = await run.result;
    expect({ status: outcome.status, error: outcome.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(outcome.output).toBeDefined();
    const ai = events.filter((ev): ev is EventOfType<'node_completed'> => ev.type === 'node_completed' && (ev.node_type === 'llm' || ev.node_type === 'agent'));
    for (const done of ai) {
      expect(done).toMatchObject({ simulated: true, model: expect.stringContaining('(simulated)'), usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });
      expect(done.usage?.input_tokens).toBeGreaterThan(0);
    }
    const completed = events.at(-1) as EventOfType<'execution_completed'>;
    if (ai.length > 0) expect(completed.usage?.input_tokens).toBe(ai.reduce((n, d) => n + (d.usage?.input_tokens ?? 0), 0));
  });
});
