/** @jest-environment jsdom */
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { nodeConfigSchemas, nodeTypes, type NodeType } from '@shared/workflow';
import { starterConfig } from '../model/starters';
import { configJsonSchema, defaultValue, nodeFieldsJsonSchema, type JsonSchema } from './json-schema';
import { SchemaForm } from './SchemaForm';

/** Renders a form over a value it keeps, like the property panel does. */
function Harness({ schema, initial, onValue, suggestions = [] }: { schema: JsonSchema; initial: unknown; onValue: (v: unknown) => void; suggestions?: Array<{ expression: string; detail: string }> }) {
  const [value, setValue] = useState(initial);
  return (
    <SchemaForm
      schema={schema}
      value={value}
      path="config"
      suggestions={suggestions}
      onChange={(v) => {
        setValue(v);
        onValue(v);
      }}
    />
  );
}

const field = (container: HTMLElement, path: string) => container.querySelector(`[data-field="${path}"]`) as HTMLInputElement;

describe('forms generated from the shared schemas', () => {
  it.each(nodeTypes)('renders a form for every field of the %s config schema', (type) => {
    const schema = configJsonSchema(type);
    const { container } = render(<Harness schema={schema} initial={starterConfig(type)} onValue={() => undefined} />);
    // Every top-level property of the (chosen) schema appears as a field or a section.
    const props = schema.properties ?? (schema.oneOf ?? schema.anyOf)?.[0]?.properties ?? {};
    for (const key of Object.keys(props)) {
      if (props[key]?.const !== undefined) continue;
      expect(container.querySelector(`[data-path="config.${key}"], [data-field="config.${key}"], [data-add="config.${key}"]`)).not.toBeNull();
    }
  });

  it('starts every node type from a config of the right shape', () => {
    const complete: Partial<Record<NodeType, unknown>> = {};
    for (const t of nodeTypes) complete[t] = starterConfig(t);
    // Types whose smallest config is already valid parse as they are; the others wait for what only a person can say (a prompt).
    const valid = nodeTypes.filter((t) => nodeConfigSchemas[t].safeParse(complete[t]).success);
    expect(valid).toEqual(['start', 'end', 'parallel', 'merge', 'wait', 'code', 'transform']);
    expect(nodeConfigSchemas.human_input.safeParse({ ...(complete.human_input as object), prompt: 'Approve?' }).success).toBe(true);
    expect(complete.wait).toEqual({ mode: 'duration', seconds: 0 });
    expect(complete.tool).toEqual({ kind: 'builtin', name: '' });
  });

  it('edits strings and numbers, and drops an emptied optional number', () => {
    const values: unknown[] = [];
    const { container } = render(<Harness schema={configJsonSchema('llm')} initial={starterConfig('llm')} onValue={(v) => values.push(v)} />);
    fireEvent.change(field(container, 'config.prompt'), { target: { value: 'Summarise' } });
    fireEvent.change(field(container, 'config.maxTokens'), { target: { value: '256' } });
    expect(values.at(-1)).toMatchObject({ prompt: 'Summarise', maxTokens: 256 });
    fireEvent.change(field(container, 'config.maxTokens'), { target: { value: '' } });
    expect(values.at(-1)).not.toHaveProperty('maxTokens');
    expect(nodeConfigSchemas.llm.safeParse(values.at(-1)).success).toBe(true);
  });

  it('switches a discriminated union and shows the chosen option\'s fields', () => {
    const values: unknown[] = [];
    const { container } = render(<Harness schema={configJsonSchema('tool')} initial={starterConfig('tool')} onValue={(v) => values.push(v)} />);
    expect(field(container, 'config.name')).not.toBeNull();
    const kinds = field(container, 'config.kind') as unknown as HTMLSelectElement;
    const mcp = [...kinds.options].find((o) => o.text === 'mcp') as HTMLOptionElement;
    fireEvent.change(kinds, { target: { value: mcp.value } });
    expect(values.at(-1)).toEqual({ kind: 'mcp', serverUrl: '', toolName: '' });
    expect(field(container, 'config.serverUrl')).not.toBeNull();
    expect(field(container, 'config.name')).toBeNull();
  });

  it('edits a recursive condition: a comparison becomes an "any" of comparisons', () => {
    const values: unknown[] = [];
    const initial = { rules: [{ id: 'high', when: { left: '{{input.x}}', op: 'gt', right: 3 } }] };
    const { container } = render(<Harness schema={configJsonSchema('condition')} initial={initial} onValue={(v) => values.push(v)} />);
    fireEvent.change(field(container, 'config.rules.0.when.right'), { target: { value: '10' } });
    expect(values.at(-1)).toEqual({ rules: [{ id: 'high', when: { left: '{{input.x}}', op: 'gt', right: 10 } }] });
    const kind = field(container, 'config.rules.0.when#kind') as unknown as HTMLSelectElement;
    const any = [...kind.options].find((o) => o.text === 'any') as HTMLOptionElement;
    fireEvent.change(kind, { target: { value: any.value } });
    const after = values.at(-1) as { rules: Array<{ when: { any: unknown[] } }> };
    expect(after.rules[0]?.when.any).toHaveLength(1);
    expect(field(container, 'config.rules.0.when.any.0.left')).not.toBeNull();
  });

  it('edits a name -> value mapping, typing JSON literals as values', () => {
    const values: unknown[] = [];
    const { container } = render(<Harness schema={configJsonSchema('transform')} initial={{ mode: 'mapping', mapping: {} }} onValue={(v) => values.push(v)} />);
    fireEvent.click(container.querySelector('[data-add="config.mapping"]') as HTMLElement);
    fireEvent.change(field(container, 'config.mapping.key1#key'), { target: { value: 'count' } });
    fireEvent.change(field(container, 'config.mapping.count'), { target: { value: '42' } });
    expect(values.at(-1)).toEqual({ mode: 'mapping', mapping: { count: 42 } });
  });

  it('edits a JSON Schema field as JSON text, applying it only when it parses', () => {
    const values: unknown[] = [];
    const { container } = render(<Harness schema={configJsonSchema('start')} initial={{}} onValue={(v) => values.push(v)} />);
    const area = field(container, 'config.inputSchema');
    fireEvent.change(area, { target: { value: '{"type": "object", ' } });
    expect(values).toEqual([]);
    expect(screen.getByText(/Not valid JSON yet/)).toBeTruthy();
    fireEvent.change(area, { target: { value: '{"type": "object", "properties": {"topic": {"type": "string"}}}' } });
    expect(values.at(-1)).toEqual({ inputSchema: { type: 'object', properties: { topic: { type: 'string' } } } });
  });

  it('offers references after {{ and inserts the chosen one', async () => {
    const values: unknown[] = [];
    const suggestions = [
      { expression: 'input.topic', detail: 'execution input' },
      { expression: 'nodes.search.output.text', detail: 'search (llm)' },
    ];
    const { container } = render(<Harness schema={configJsonSchema('llm')} initial={starterConfig('llm')} onValue={(v) => values.push(v)} suggestions={suggestions} />);
    const prompt = field(container, 'config.prompt');
    fireEvent.change(prompt, { target: { value: 'About {{nodes.se', selectionStart: 16 } });
    const options = within(screen.getByRole('listbox')).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['{{nodes.search.output.text}}search (llm)']);
    await act(async () => {
      fireEvent.mouseDown(options[0] as HTMLElement);
    });
    expect((values.at(-1) as { prompt: string }).prompt).toBe('About {{nodes.search.output.text}}');
  });

  it('generates the node fields (label, retry, timeout) from the node schema, retry optional', () => {
    const values: unknown[] = [];
    const { container } = render(<Harness schema={nodeFieldsJsonSchema('llm')} initial={{}} onValue={(v) => values.push(v)} />);
    expect(field(container, 'config.label')).not.toBeNull();
    fireEvent.click(container.querySelector('[data-add="config.retry"]') as HTMLElement);
    expect(values.at(-1)).toEqual({ retry: { maxAttempts: 0 } });
    const errors = container.querySelector('[data-field="config.retry.errors"]') as HTMLElement;
    fireEvent.click(errors.querySelector('input') as HTMLElement);
    expect((values.at(-1) as { retry: { errors: string[] } }).retry.errors).toEqual(['timeout']);
  });

  it('builds a start input form from a start node\'s own JSON Schema', () => {
    const schema: JsonSchema = { type: 'object', properties: { topic: { type: 'string' }, depth: { type: 'integer', minimum: 1 }, vip: { type: 'boolean' } }, required: ['topic'] };
    expect(defaultValue(schema, { root: schema })).toEqual({ topic: '' });
    const values: unknown[] = [];
    const { container } = render(<Harness schema={schema} initial={{ topic: '' }} onValue={(v) => values.push(v)} />);
    fireEvent.change(field(container, 'config.topic'), { target: { value: 'otters' } });
    fireEvent.click(field(container, 'config.vip'));
    expect(values.at(-1)).toEqual({ topic: 'otters', vip: true });
  });
});
