/**
 * The editor's state: the graph being drawn (React Flow nodes and edges whose data is the shared
 * schema's node fields), its draft identity (id, revision), selection, undo/redo history, the
 * clipboard, and the live validation result of the in-browser compiler.
 */
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';
import type { Issue } from '@shared/issues';
import type { NodeType } from '@shared/workflow';
import { compile } from '../../../statemachines/src/compile';
import { nextEdgeId, nextNodeId, toDoc, toFlow } from '../model/convert';
import { OUT, refuseConnection } from '../model/handles';
import { starterConfig } from '../model/starters';
import type { StepEdge, StepNode, StepNodeData, WorkflowDoc, WorkflowMetadata, WorkflowSettingsDoc } from '../model/types';

interface Snapshot {
  nodes: StepNode[];
  edges: StepEdge[];
  metadata: WorkflowMetadata;
  settings: WorkflowSettingsDoc | undefined;
}

export interface Validation {
  ok: boolean;
  issues: Issue[];
  byNode: Record<string, Issue[]>;
  byEdge: Record<string, Issue[]>;
  /** The compiled definition (when it compiles); the ASL pane prints it when shown. */
  asl?: unknown;
  states?: number;
  /** How long the compiler took (ms). */
  ms: number;
  /** The graph version this result is for. */
  version: number;
}

export interface Notice {
  kind: 'info' | 'error' | 'success';
  text: string;
  at: number;
}

export interface EditorState {
  /** The stored draft's id and revision (undefined for a workflow not saved yet). */
  workflowId?: string;
  revision?: number;
  latestVersion?: number;
  metadata: WorkflowMetadata;
  settings: WorkflowSettingsDoc | undefined;
  nodes: StepNode[];
  edges: StepEdge[];
  /** Bumped on every change the compiler cares about (not on moves or selection). */
  graphVersion: number;
  dirty: boolean;
  past: Snapshot[];
  future: Snapshot[];
  clipboard?: { nodes: StepNode[]; edges: StepEdge[]; pastes: number };
  validation?: Validation;
  notice?: Notice;

  load(doc: WorkflowDoc, stored?: { workflowId: string; revision: number; latestVersion?: number }): void;
  markSaved(stored: { workflowId: string; revision: number; latestVersion?: number }): void;
  toDoc(): WorkflowDoc;
  onNodesChange(changes: NodeChange<StepNode>[]): void;
  onEdgesChange(changes: EdgeChange<StepEdge>[]): void;
  /** Records the current graph in the history (before a drag). */
  checkpoint(): void;
  canConnect(c: Connection): string | undefined;
  connect(c: Connection): boolean;
  addNode(type: NodeType, position: { x: number; y: number }): string;
  updateNode(id: string, patch: Partial<StepNodeData>): void;
  updateConfig(id: string, config: Record<string, unknown>): void;
  updateMetadata(patch: Partial<WorkflowMetadata>): void;
  updateSettings(settings: WorkflowSettingsDoc | undefined): void;
  select(ids: string[]): void;
  deleteSelected(): void;
  copy(): number;
  paste(): string[];
  undo(): void;
  redo(): void;
  /** Auto-layout (dagre is loaded on first use). */
  layout(): Promise<void>;
  validate(): Validation;
  notify(kind: Notice['kind'], text: string): void;
}

const HISTORY_LIMIT = 100;
/** Edits of the same field within this window are one undo step (typing is not 40 steps). */
const COALESCE_MS = 1000;
let lastCommit: { key: string; at: number } | undefined;

const emptyDoc = (): WorkflowDoc => ({
  schemaVersion: 1,
  metadata: { name: 'Untitled workflow' },
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} },
    { id: 'end', type: 'end', position: { x: 500, y: 0 }, config: {} },
  ],
  edges: [],
});

/** A new workflow: a start and an end node, not yet connected. */
export const newWorkflowDoc = emptyDoc;

function group(issues: Issue[], key: 'nodeId' | 'edgeId'): Record<string, Issue[]> {
  const out: Record<string, Issue[]> = {};
  for (const i of issues) {
    const k = i[key];
    if (k !== undefined) (out[k] ??= []).push(i);
  }
  return out;
}

export const useEditorStore = create<EditorState>()((set, get) => {
  const snapshot = (): Snapshot => {
    const s = get();
    return { nodes: s.nodes, edges: s.edges, metadata: s.metadata, settings: s.settings };
  };
  /** Applies a change that can be undone; `key` coalesces repeated edits of one field. */
  const commit = (change: (s: EditorState) => Partial<EditorState>, key?: string) => {
    const now = Date.now();
    const coalesce = key !== undefined && lastCommit?.key === key && now - lastCommit.at < COALESCE_MS;
    lastCommit = key !== undefined ? { key, at: now } : undefined;
    set((s) => ({
      ...(coalesce ? {} : { past: [...s.past, snapshot()].slice(-HISTORY_LIMIT), future: [] }),
      ...change(s),
      dirty: true,
      graphVersion: s.graphVersion + 1,
    }));
  };
  const patchNode = (id: string, f: (d: StepNodeData) => StepNodeData) => (s: EditorState) => ({
    nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: f(n.data) } : n)),
  });

  const initial = toFlow(emptyDoc());
  return {
    metadata: emptyDoc().metadata,
    settings: undefined,
    nodes: initial.nodes,
    edges: initial.edges,
    graphVersion: 0,
    dirty: false,
    past: [],
    future: [],

    load(doc, stored) {
      const { nodes, edges } = toFlow(doc);
      lastCommit = undefined;
      set((s) => ({
        workflowId: stored?.workflowId,
        revision: stored?.revision,
        latestVersion: stored?.latestVersion,
        metadata: { ...doc.metadata },
        settings: doc.settings,
        nodes,
        edges,
        past: [],
        future: [],
        dirty: stored === undefined,
        graphVersion: s.graphVersion + 1,
        validation: undefined,
      }));
    },
    markSaved(stored) {
      set({ workflowId: stored.workflowId, revision: stored.revision, ...(stored.latestVersion !== undefined ? { latestVersion: stored.latestVersion } : {}), dirty: false });
    },
    toDoc() {
      const s = get();
      const metadata = { ...s.metadata };
      if (s.workflowId) metadata.id = s.workflowId;
      return toDoc(metadata, s.settings, s.nodes, s.edges);
    },

    onNodesChange(changes) {
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
      if (structural) {
        commit((s) => {
          const nodes = applyNodeChanges(changes, s.nodes);
          const ids = new Set(nodes.map((n) => n.id));
          return { nodes, edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
        });
        return;
      }
      const moved = changes.some((c) => c.type === 'position' && c.position !== undefined);
      set((s) => ({ nodes: applyNodeChanges(changes, s.nodes), ...(moved ? { dirty: true } : {}) }));
    },
    onEdgesChange(changes) {
      if (changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace')) {
        commit((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
        return;
      }
      set((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
    },
    checkpoint() {
      lastCommit = undefined;
      set((s) => ({ past: [...s.past, snapshot()].slice(-HISTORY_LIMIT), future: [] }));
    },
    canConnect(c) {
      const s = get();
      const byId = new Map(s.nodes.map((n) => [n.id, n.data]));
      return refuseConnection(c, (id) => byId.get(id), s.edges);
    },
    connect(c) {
      const why = get().canConnect(c);
      if (why) {
        get().notify('error', `Connection refused: ${why}`);
        return false;
      }
      commit((s) => {
        const id = nextEdgeId(c.source, c.target, new Set(s.edges.map((e) => e.id)));
        const edge: StepEdge = { id, source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? OUT, data: {} };
        return { edges: [...s.edges, edge] };
      });
      return true;
    },
    addNode(type, position) {
      const id = nextNodeId(type, new Set(get().nodes.map((n) => n.id)));
      commit((s) => ({
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), { id, type, position, selected: true, data: { type, config: starterConfig(type) } }],
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
      return id;
    },
    updateNode(id, patch) {
      commit(patchNode(id, (d) => {
        const next: StepNodeData = { ...d, ...patch };
        for (const k of Object.keys(patch) as Array<keyof StepNodeData>) if (patch[k] === undefined) delete next[k];
        return next;
      }), `node:${id}:${Object.keys(patch).join(',')}`);
    },
    updateConfig(id, config) {
      commit(patchNode(id, (d) => ({ ...d, config })), `config:${id}`);
    },
    updateMetadata(patch) {
      commit((s) => ({ metadata: { ...s.metadata, ...patch } }), `meta:${Object.keys(patch).join(',')}`);
    },
    updateSettings(settings) {
      commit(() => ({ settings }), 'settings');
    },
    select(ids) {
      const want = new Set(ids);
      set((s) => ({
        nodes: s.nodes.map((n) => (Boolean(n.selected) === want.has(n.id) ? n : { ...n, selected: want.has(n.id) })),
        edges: s.edges.map((e) => (Boolean(e.selected) === want.has(e.id) ? e : { ...e, selected: want.has(e.id) })),
      }));
    },
    deleteSelected() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesGone = s.edges.filter((e) => e.selected || gone.has(e.source) || gone.has(e.target));
      if (gone.size === 0 && edgesGone.length === 0) return;
      const edgeIds = new Set(edgesGone.map((e) => e.id));
      commit((st) => ({ nodes: st.nodes.filter((n) => !gone.has(n.id)), edges: st.edges.filter((e) => !edgeIds.has(e.id)) }));
    },
    copy() {
      const s = get();
      const nodes = s.nodes.filter((n) => n.selected);
      const ids = new Set(nodes.map((n) => n.id));
      const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
      if (nodes.length === 0) return 0;
      set({ clipboard: { nodes: structuredClone(nodes), edges: structuredClone(edges), pastes: 0 } });
      return nodes.length;
    },
    paste() {
      const clip = get().clipboard;
      if (!clip || clip.nodes.length === 0) return [];
      const taken = new Set(get().nodes.map((n) => n.id));
      const rename = new Map<string, string>();
      for (const n of clip.nodes) {
        const id = n.data.type === 'start' && !taken.has('start') ? 'start' : nextNodeId(n.data.type, taken);
        taken.add(id);
        rename.set(n.id, id);
      }
      const offset = 40 * (clip.pastes + 1);
      const nodes: StepNode[] = clip.nodes.map((n) => ({
        id: rename.get(n.id) as string,
        type: n.type,
        position: { x: n.position.x + offset, y: n.position.y + offset },
        data: structuredClone(n.data),
        selected: true,
      }));
      commit((s) => {
        const edgeIds = new Set(s.edges.map((e) => e.id));
        const edges: StepEdge[] = clip.edges.map((e) => {
          const source = rename.get(e.source) as string;
          const target = rename.get(e.target) as string;
          const id = nextEdgeId(source, target, edgeIds);
          edgeIds.add(id);
          return { id, source, target, sourceHandle: e.sourceHandle ?? OUT, data: structuredClone(e.data ?? {}), selected: false };
        });
        return {
          nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes],
          edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
          clipboard: { ...clip, pastes: clip.pastes + 1 },
        };
      });
      return nodes.map((n) => n.id);
    },
    undo() {
      const s = get();
      const prev = s.past[s.past.length - 1];
      if (!prev) return;
      lastCommit = undefined;
      set({ ...prev, past: s.past.slice(0, -1), future: [snapshot(), ...s.future], dirty: true, graphVersion: s.graphVersion + 1 });
    },
    redo() {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      lastCommit = undefined;
      set({ ...next, past: [...s.past, snapshot()], future: s.future.slice(1), dirty: true, graphVersion: s.graphVersion + 1 });
    },
    async layout() {
      const { layoutPositions } = await import('../model/auto-layout');
      const s = get();
      const pos = layoutPositions(s.nodes, s.edges);
      commit((st) => ({ nodes: st.nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })) }));
    },
    validate() {
      const s = get();
      const t0 = performance.now();
      const result = compile(s.toDoc());
      const ms = performance.now() - t0;
      const issues = [...result.issues];
      const validation: Validation = {
        ok: result.ok,
        issues,
        byNode: group(issues, 'nodeId'),
        byEdge: group(issues, 'edgeId'),
        ms,
        version: s.graphVersion,
        ...(result.ok ? { asl: result.asl, states: result.stats.states } : {}),
      };
      set({ validation });
      return validation;
    },
    notify(kind, text) {
      set({ notice: { kind, text, at: Date.now() } });
    },
  };
});
