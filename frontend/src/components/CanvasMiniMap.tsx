/**
 * The minimap of a large workflow: one <canvas> with a rectangle per node and the visible area,
 * instead of an SVG element (and a store subscription) per node; click or drag to move there.
 */
import { Panel, useReactFlow, useViewport } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import type { StepEdge, StepNode } from '../model/types';

const W = 200;
const H = 150;

export function CanvasMiniMap({ nodes, color }: { nodes: readonly StepNode[]; color: (n: StepNode) => string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { x, y, zoom } = useViewport();
  const flow = useReactFlow<StepNode, StepEdge>();
  const bounds = useMemo(() => {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const n of nodes) {
      minX = Math.min(minX, n.position.x);
      minY = Math.min(minY, n.position.y);
      maxX = Math.max(maxX, n.position.x + NODE_WIDTH);
      maxY = Math.max(maxY, n.position.y + NODE_HEIGHT);
    }
    const scale = Math.min(W / (maxX - minX || 1), H / (maxY - minY || 1)) * 0.92;
    return { minX, minY, scale, offX: (W - (maxX - minX) * scale) / 2, offY: (H - (maxY - minY) * scale) / 2 };
  }, [nodes]);

  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const { minX, minY, scale, offX, offY } = bounds;
    ctx.clearRect(0, 0, W, H);
    for (const n of nodes) {
      ctx.fillStyle = color(n);
      ctx.fillRect(offX + (n.position.x - minX) * scale, offY + (n.position.y - minY) * scale, Math.max(1, NODE_WIDTH * scale), Math.max(1, NODE_HEIGHT * scale));
    }
    const pane = document.querySelector('.canvas')?.getBoundingClientRect();
    if (pane) {
      ctx.strokeStyle = '#4f46e5';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(offX + (-x / zoom - minX) * scale, offY + (-y / zoom - minY) * scale, (pane.width / zoom) * scale, (pane.height / zoom) * scale);
    }
  }, [nodes, bounds, x, y, zoom, color]);

  const moveTo = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const { minX, minY, scale, offX, offY } = bounds;
    void flow.setCenter(minX + (e.clientX - r.left - offX) / scale, minY + (e.clientY - r.top - offY) / scale, { zoom });
  };

  return (
    <Panel position="bottom-right" className="canvas-minimap">
      <canvas ref={ref} width={W} height={H} aria-label="Minimap" onMouseDown={moveTo} onMouseMove={(e) => e.buttons === 1 && moveTo(e)} />
    </Panel>
  );
}
