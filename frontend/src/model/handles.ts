/**
 * Which handles each node type offers, and which connections the editor refuses before the
 * compiler ever sees them. The rules follow the compiler's (statemachines/src/analyze.ts):
 * condition rules and `default`, loop `body`/`done`, `error` on nodes that can fail, one
 * outgoing edge per handle except a parallel's branches.
 */
import type { NodeHandle } from '@xyflow/react';
import { catchableNodeTypes, Handles, type NodeType } from '@shared/workflow';
import { HANDLE_SIZE, NODE_HEIGHT, NODE_WIDTH } from './layout';
import type { StepEdge, StepNodeData } from './types';

/** The React Flow id of a node's plain output handle (saved as no `sourceHandle`). */
export const OUT = 'out';

export interface SourceHandle {
  id: string;
  label: string;
  kind: 'out' | 'branch' | 'default' | 'error' | 'body' | 'done';
}

/** True when this node (type and config) can take an error edge. */
export function canFail(data: Pick<StepNodeData, 'type' | 'config'>): boolean {
  if (!catchableNodeTypes.has(data.type)) return false;
  const mode = data.config.mode;
  if (data.type === 'wait') return mode === 'event';
  if (data.type === 'loop') return mode !== 'while';
  if (data.type === 'transform') return mode !== 'mapping';
  return true;
}

/** The source handles a node shows, in order. */
export function sourceHandles(data: Pick<StepNodeData, 'type' | 'config'>): SourceHandle[] {
  const handles: SourceHandle[] = [];
  switch (data.type) {
    case 'end':
      break;
    case 'condition': {
      const rules = Array.isArray(data.config.rules) ? (data.config.rules as Array<{ id?: unknown; label?: unknown }>) : [];
      for (const r of rules) {
        if (typeof r.id === 'string' && r.id.length > 0) handles.push({ id: r.id, label: typeof r.label === 'string' && r.label ? r.label : r.id, kind: 'branch' });
      }
      handles.push({ id: Handles.default, label: 'default', kind: 'default' });
      break;
    }
    case 'loop':
      handles.push({ id: Handles.body, label: 'body', kind: 'body' }, { id: Handles.done, label: 'done', kind: 'done' });
      break;
    default:
      handles.push({ id: OUT, label: '', kind: 'out' });
  }
  if (canFail(data)) handles.push({ id: Handles.error, label: 'error', kind: 'error' });
  return handles;
}

export const hasTargetHandle = (type: NodeType) => type !== 'start';

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/**
 * Why a connection is refused, or undefined when it is allowed.
 * @example
 * ```ts
 * refuseConnection({ source: 'a', target: 'a' }, nodes, edges) // 'a node cannot connect to itself'
 * ```
 */
export function refuseConnection(
  c: ConnectionLike,
  nodeData: (id: string) => Pick<StepNodeData, 'type' | 'config'> | undefined,
  edges: readonly StepEdge[],
): string | undefined {
  if (!c.source || !c.target) return 'connect a source handle to a target';
  if (c.source === c.target) return 'a node cannot connect to itself';
  const source = nodeData(c.source);
  const target = nodeData(c.target);
  if (!source || !target) return 'unknown node';
  if (target.type === 'start') return 'nothing may lead into the start node';
  if (source.type === 'end') return 'an end node finishes the run: it has no outputs';
  const handle = c.sourceHandle ?? OUT;
  const handles = sourceHandles(source);
  const h = handles.find((x) => x.id === handle);
  if (!h) return `a ${source.type} node has no "${handle}" output`;
  const fromHandle = edges.filter((e) => e.source === c.source && (e.sourceHandle ?? OUT) === handle);
  if (fromHandle.some((e) => e.target === c.target)) return 'these nodes are already connected from this handle';
  if (h.kind === 'error') {
    if (fromHandle.some((e) => !e.data?.errors || e.data.errors.includes('all'))) return 'this node already has an error edge catching every error';
    return undefined;
  }
  const multiple = source.type === 'parallel' && h.kind === 'out';
  if (!multiple && fromHandle.length > 0) {
    return source.type === 'condition' || source.type === 'loop'
      ? `the "${h.label}" output is already connected`
      : 'this node already has a next step: use a condition or a parallel to branch';
  }
  return undefined;
}

/** Where source handle `index` of `count` sits down the right edge, as a fraction of the height. */
export const handleFraction = (index: number, count: number) => (count > 1 ? (index + 1) / (count + 1) : 0.5);

/**
 * The handles of a node with their geometry, given to React Flow up front: it then needs no
 * render to measure a node before it can draw its edges or cull it, so a large workflow renders
 * only what is on screen from the first frame.
 */
export function handleGeometry(data: Pick<StepNodeData, 'type' | 'config'>): NodeHandle[] {
  const half = HANDLE_SIZE / 2;
  const out: NodeHandle[] = [];
  if (hasTargetHandle(data.type)) out.push({ id: null, type: 'target', position: 'left' as NodeHandle['position'], x: -half, y: NODE_HEIGHT / 2 - half, width: HANDLE_SIZE, height: HANDLE_SIZE });
  const sources = sourceHandles(data);
  sources.forEach((h, i) => {
    out.push({ id: h.id, type: 'source', position: 'right' as NodeHandle['position'], x: NODE_WIDTH - half, y: NODE_HEIGHT * handleFraction(i, sources.length) - half, width: HANDLE_SIZE, height: HANDLE_SIZE });
  });
  return out;
}
