/** Auto-layout with dagre, left to right (a separate chunk: loaded the first time someone asks for it). */
import dagre from '@dagrejs/dagre';
import { NODE_HEIGHT, NODE_WIDTH } from './layout';
import type { StepEdge, StepNode } from './types';

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
