/** @jest-environment jsdom */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '@xyflow/react';
import { useEditorStore } from './editor-store';
import type { WorkflowDoc } from '../model/types';

const store = () => useEditorStore.getState();
const conn = (source: string, target: string, sourceHandle: string | null = 'out'): Connection => ({ source, target, sourceHandle, targetHandle: null });
const codes = () => store().validate().issues.map((i) => `${i.code}${i.nodeId ? `@${i.nodeId}` : ''}`);

function loadBlank() {
  store().load({ schemaVersion: 1, metadata: { name: 'T' }, nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} }, { id: 'end', type: 'end', position: { x: 600, y: 0 }, config: {} }], edges: [] });
}

beforeEach(loadBlank);

describe('editor store: building a graph', () => {
  it('adds nodes with fresh ids and a config generated from the schema', () => {
    const a = store().addNode('transform', { x: 200, y: 0 });
    const b = store().addNode('transform', { x: 400, y: 0 });
    expect([a, b]).toEqual(['transform_1', 'transform_2']);
    expect(store().nodes.find((n) => n.id === a)?.data.config).toEqual({ mode: 'mapping', mapping: {} });
    expect(store().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual([b]);
  });

  it('connects nodes and shows a validation issue that clears when the graph is fixed', () => {
    const t = store().addNode('transform', { x: 200, y: 0 });
    expect(store().connect(conn('start', t))).toBe(true);
    expect(codes()).toContain(`DEAD_END@${t}`);
    expect(store().connect(conn(t, 'end'))).toBe(true);
    const v = store().validate();
    expect(v.issues).toEqual([]);
    expect(v.ok).toBe(true);
    expect((v.asl as { StartAt: string }).StartAt).toBe('start');
  });

  it('refuses invalid connections with a reason', () => {
    const llm = store().addNode('llm', { x: 200, y: 0 });
    expect(store().canConnect(conn(llm, llm))).toMatch(/itself/);
    expect(store().canConnect(conn(llm, 'start'))).toMatch(/start/);
    expect(store().canConnect(conn('end', llm))).toMatch(/end node/);
    expect(store().canConnect(conn('start', llm, 'error'))).toMatch(/no "error" output/);
    store().connect(conn('start', llm));
    expect(store().canConnect(conn('start', 'end'))).toMatch(/already has a next step/);
    expect(store().canConnect(conn(llm, 'end', 'error'))).toBeUndefined();
    store().connect(conn(llm, 'end', 'error'));
    expect(store().canConnect(conn(llm, 'start', 'error'))).toMatch(/start/);
    const merge = store().addNode('merge', { x: 0, y: 0 });
    expect(store().canConnect(conn(merge, 'end', 'error'))).toMatch(/no "error" output/);
    expect(store().connect(conn(llm, llm))).toBe(false);
    expect(store().notice?.text).toMatch(/Connection refused/);
  });

  it('gives conditions one handle per rule plus default, each used once; parallels take many branches', () => {
    const c = store().addNode('condition', { x: 0, y: 0 });
    const rules = [{ id: 'high', when: { left: '{{input.x}}', op: 'gt', right: 3 } }];
    store().updateConfig(c, { rules });
    const a = store().addNode('transform', { x: 0, y: 0 });
    const b = store().addNode('transform', { x: 0, y: 0 });
    expect(store().canConnect(conn(c, a, 'out'))).toMatch(/no "out" output/);
    expect(store().connect(conn(c, a, 'high'))).toBe(true);
    expect(store().canConnect(conn(c, b, 'high'))).toMatch(/already connected/);
    expect(store().connect(conn(c, b, 'default'))).toBe(true);
    const p = store().addNode('parallel', { x: 0, y: 0 });
    expect(store().connect(conn(p, a))).toBe(true);
    expect(store().connect(conn(p, b))).toBe(true);
    const doc = store().toDoc();
    expect(doc.edges.filter((e) => e.source === c).map((e) => e.sourceHandle)).toEqual(['high', 'default']);
    expect(doc.edges.filter((e) => e.source === p).every((e) => e.sourceHandle === undefined)).toBe(true);
  });
});

describe('editor store: editing', () => {
  it('undoes and redoes changes', () => {
    const t = store().addNode('transform', { x: 0, y: 0 });
    store().connect(conn('start', t));
    expect(store().edges).toHaveLength(1);
    store().undo();
    expect(store().edges).toHaveLength(0);
    store().undo();
    expect(store().nodes.map((n) => n.id)).toEqual(['start', 'end']);
    store().redo();
    store().redo();
    expect(store().nodes.map((n) => n.id)).toContain(t);
    expect(store().edges).toHaveLength(1);
    store().undo();
    store().addNode('wait', { x: 0, y: 0 });
    expect(store().future).toEqual([]);
  });

  it('makes one undo step of quick edits to the same field', () => {
    const t = store().addNode('llm', { x: 0, y: 0 });
    const depth = store().past.length;
    for (const prompt of ['H', 'He', 'Hel', 'Hello']) store().updateConfig(t, { ...store().nodes.find((n) => n.id === t)?.data.config, prompt });
    expect(store().past.length).toBe(depth + 1);
    store().undo();
    expect(store().nodes.find((n) => n.id === t)?.data.config.prompt).toBe('');
  });

  it('deletes the selection with the edges that touch it', () => {
    const t = store().addNode('transform', { x: 0, y: 0 });
    store().connect(conn('start', t));
    store().connect(conn(t, 'end'));
    store().select([t]);
    store().deleteSelected();
    expect(store().nodes.map((n) => n.id)).toEqual(['start', 'end']);
    expect(store().edges).toEqual([]);
  });

  it('copies and pastes nodes with new ids, offset, keeping the edges between them', () => {
    const a = store().addNode('transform', { x: 100, y: 100 });
    const b = store().addNode('llm', { x: 300, y: 100 });
    store().connect(conn(a, b));
    store().select([a, b]);
    expect(store().copy()).toBe(2);
    const pasted = store().paste();
    expect(pasted).toEqual(['transform_2', 'llm_2']);
    const copyA = store().nodes.find((n) => n.id === 'transform_2');
    expect(copyA?.position).toEqual({ x: 140, y: 140 });
    expect(store().edges.some((e) => e.source === 'transform_2' && e.target === 'llm_2')).toBe(true);
    expect(store().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(pasted);
    expect(store().paste()).toEqual(['transform_3', 'llm_3']);
    expect(store().nodes.find((n) => n.id === 'transform_3')?.position).toEqual({ x: 180, y: 180 });
  });

  it('lays the graph out left to right with dagre', async () => {
    const t = store().addNode('transform', { x: 0, y: 900 });
    store().connect(conn('start', t));
    store().connect(conn(t, 'end'));
    await store().layout();
    const x = (id: string) => store().nodes.find((n) => n.id === id)?.position.x ?? NaN;
    expect(x('start')).toBeLessThan(x(t));
    expect(x(t)).toBeLessThan(x('end'));
  });
});

describe('editor store: documents', () => {
  it.each(['support-ticket-triage', 'lead-qualification', 'refine-until-good', 'document-pipeline'])('round-trips examples/%s.json and compiles it', (name) => {
    const doc = JSON.parse(readFileSync(path.join(__dirname, '../../../examples', `${name}.json`), 'utf8')) as WorkflowDoc;
    store().load(doc, { workflowId: name, revision: 3 });
    const out = store().toDoc();
    expect(out.nodes).toEqual(doc.nodes.map((n) => ({ ...n, position: n.position })));
    expect(out.edges).toEqual(doc.edges);
    expect(out.metadata).toEqual(doc.metadata);
    expect(store().validate().ok).toBe(true);
    expect(store().dirty).toBe(false);
  });

  it('marks node and edge issues for the canvas', () => {
    store().load({ schemaVersion: 1, metadata: { name: 'x' }, nodes: [{ id: 'start', type: 'start', config: {} }, { id: 'end', type: 'end', config: {} }], edges: [{ id: 'bad', source: 'start', target: 'start' }] });
    const v = store().validate();
    expect(Object.keys(v.byEdge)).toContain('bad');
    expect(v.ok).toBe(false);
  });
});
