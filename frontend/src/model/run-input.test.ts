/** @jest-environment jsdom */
import { nodeInput } from './run-input';

describe('a node\'s input in the run panel', () => {
  const run = { input: { topic: 'otters', n: 3 }, executionId: 'x1', startedAt: '2026-01-01T00:00:00Z', outputs: { search: { items: ['a', 'b'] } } };

  it('is its config with references resolved from the run, keeping the types of exact references', () => {
    expect(nodeInput({ prompt: 'About {{input.topic}} ({{execution.id}})', items: '{{nodes.search.output.items}}', n: '{{input.n}}' }, run)).toEqual({
      value: { prompt: 'About otters (x1)', items: ['a', 'b'], n: 3 },
    });
  });

  it('shows the config and says why when a reference has no value in this run', () => {
    const r = nodeInput({ prompt: '{{nodes.later.output.text}}' }, run);
    expect(r.value).toEqual({ prompt: '{{nodes.later.output.text}}' });
    expect(r.error).toMatch(/later/);
  });

  it('is nothing before the version\'s config is known', () => {
    expect(nodeInput(undefined, run)).toEqual({});
  });
});
