/** Auto-layout with dagre: left to right, ranks 250 px apart like the examples. */
import dagre from '@dagrejs/dagre';
import type { StepEdge, StepNode } from './types';

/** Every canvas node has this size (styles.css `.step-node`), so handle positions are known before any render. */
export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 84;
/** The rendered size of a handle (styles.css `.react-flow__handle`). */
export const HANDLE_SIZE = 10;

/** New positions for every node (the graph itself is unchanged). */
export function layoutPositions(nodes: readonly StepNode[], edges: readonly StepEdge[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT });
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (p) out.set(n.id, { x: p.x - p.width / 2, y: p.y - p.height / 2 });
  }
  return out;
}
