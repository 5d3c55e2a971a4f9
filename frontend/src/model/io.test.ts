/** @jest-environment jsdom */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileNameFor, formatWorkflow, parseWorkflowText } from './io';
import type { WorkflowDoc } from './types';

const triage = JSON.parse(readFileSync(path.join(__dirname, '../../../examples/support-ticket-triage.json'), 'utf8')) as WorkflowDoc;

describe('import and export', () => {
  it.each(['json', 'yaml'] as const)('exports a workflow as %s and imports it back unchanged', async (format) => {
    const text = await formatWorkflow(triage, format);
    if (format === 'yaml') expect(text).toMatch(/^schemaVersion: 1\nmetadata:/);
    else expect(text.startsWith('{')).toBe(true);
    await expect(parseWorkflowText(text)).resolves.toEqual(triage);
  });

  it('names the file after the workflow', () => {
    expect(fileNameFor(triage, 'yaml')).toBe('support-ticket-triage.yaml');
    expect(fileNameFor({ ...triage, metadata: { name: 'My Flow!' } }, 'json')).toBe('my-flow.json');
  });

  it.each([
    ['{"schemaVersion": 1, ', /Not valid JSON/],
    ['schemaVersion: 2\nmetadata: {name: x}\nnodes: []\nedges: []', /Unsupported schemaVersion 2/],
    ['schemaVersion: 1\nmetadata: {name: x}\nnodes: {}\nedges: []', /"nodes" and "edges" arrays/],
    ['- a\n- b', /an object with schemaVersion/],
    ['key: [unclosed', /Not valid YAML/],
  ])('refuses %j with a clear message', async (text, message) => {
    await expect(parseWorkflowText(text)).rejects.toThrow(message);
  });
});
