/**
 * Workflow document <-> React Flow nodes and edges. Saving is React Flow object -> shared
 * schema document -> API; the compiler parses the same document for live validation.
 */
import { nodeTypes, WORKFLOW_SCHEMA_VERSION, type NodeType } from '@shared/workflow';
import { OUT } from './handles';
import type { StepEdge, StepNode, StepNodeData, WorkflowDoc, WorkflowMetadata, WorkflowSettingsDoc } from './types';

const knownTypes = new Set<string>(nodeTypes);

/** Converts a workflow document to canvas nodes and edges (nodes without a position get a grid slot). */
export function toFlow(doc: Pick<WorkflowDoc, 'nodes' | 'edges'>): { nodes: StepNode[]; edges: StepEdge[] } {
  const nodes: StepNode[] = [];
  (doc.nodes as unknown[]).forEach((raw, i) => {
    const n = raw as Record<string, unknown>;
    const type = String(n.type) as NodeType;
    if (!knownTypes.has(type) || typeof n.id !== 'string') return;
    const pos = n.position as { x: number; y: number } | undefined;
    const data: StepNodeData = { type, config: (n.config as Record<string, unknown> | undefined) ?? {} };
    if (typeof n.label === 'string') data.label = n.label;
    if (typeof n.description === 'string') data.description = n.description;
    if (n.retry !== undefined) data.retry = n.retry as StepNodeData['retry'];
    if (typeof n.timeoutSeconds === 'number') data.timeoutSeconds = n.timeoutSeconds;
    nodes.push({ id: n.id, type, position: pos ? { x: pos.x, y: pos.y } : { x: (i % 8) * 250, y: Math.floor(i / 8) * 160 }, data });
  });
  const edges: StepEdge[] = (doc.edges as unknown[]).map((raw) => {
    const e = raw as Record<string, unknown>;
    const edge: StepEdge = { id: String(e.id), source: String(e.source), target: String(e.target), sourceHandle: typeof e.sourceHandle === 'string' ? e.sourceHandle : OUT, data: {} };
    if (typeof e.targetHandle === 'string') edge.targetHandle = e.targetHandle;
    if (typeof e.label === 'string') edge.data = { ...edge.data, label: e.label };
    if (Array.isArray(e.errors)) edge.data = { ...edge.data, errors: e.errors as string[] };
    return edge;
  });
  return { nodes, edges };
}

/** Builds the workflow document the API stores and the compiler checks. */
export function toDoc(metadata: WorkflowMetadata, settings: WorkflowSettingsDoc | undefined, nodes: readonly StepNode[], edges: readonly StepEdge[]): WorkflowDoc {
  return {
    schemaVersion: WORKFLOW_SCHEMA_VERSION,
    metadata,
    ...(settings ? { settings } : {}),
    nodes: nodes.map((n) => {
      const d = n.data;
      return {
        id: n.id,
        type: d.type,
        ...(d.label !== undefined && d.label !== '' ? { label: d.label } : {}),
        ...(d.description !== undefined && d.description !== '' ? { description: d.description } : {}),
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
        ...(d.retry !== undefined ? { retry: d.retry } : {}),
        ...(d.timeoutSeconds !== undefined ? { timeoutSeconds: d.timeoutSeconds } : {}),
        config: d.config,
      } as WorkflowDoc['nodes'][number];
    }),
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      ...(e.sourceHandle && e.sourceHandle !== OUT ? { sourceHandle: e.sourceHandle } : {}),
      ...(e.targetHandle ? { targetHandle: e.targetHandle } : {}),
      ...(e.data?.label ? { label: e.data.label } : {}),
      ...(e.data?.errors ? { errors: e.data.errors } : {}),
    })) as WorkflowDoc['edges'],
  };
}

/** A fresh id for a node of this type: `llm_1`, `llm_2`, ... (ids are identifier-safe). */
export function nextNodeId(type: NodeType, taken: ReadonlySet<string>): string {
  if (type === 'start' && !taken.has('start')) return 'start';
  for (let i = 1; ; i += 1) {
    const id = `${type}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** A fresh edge id from its ends. */
export function nextEdgeId(source: string, target: string, taken: ReadonlySet<string>): string {
  const base = `e_${source}_${target}`.slice(0, 120);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i += 1) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}
