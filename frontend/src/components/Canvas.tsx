/**
 * The canvas: React Flow with the custom nodes, connection checks, drop from the palette, zoom,
 * pan, minimap, box and modifier multi-select. Edges show branch labels, error edges in red
 * (dashed) and validation issues.
 */
import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type IsValidConnection, type ReactFlowInstance, type Viewport } from '@xyflow/react';
import { useCallback, useMemo, useState } from 'react';
import type { NodeType } from '@shared/workflow';
import { handleGeometry, OUT } from '../model/handles';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import type { StepEdge, StepNode } from '../model/types';
import { nodeTypes } from '../nodes';
import { nodeLooks } from '../nodes/meta';
import { useEditorStore } from '../store/editor-store';
import { useRunStore } from '../store/run-store';
import { CanvasMiniMap } from './CanvasMiniMap';
import { DRAG_TYPE } from './Palette';

/** Above this many nodes only what is on screen is rendered, and a workflow opens on its start. */
export const LARGE_GRAPH = 150;

/**
 * The first view of a workflow: all of it when it is small; around its entry when it is large
 * (a thousand nodes fitted at once are unreadable, and rendering only what is visible keeps the
 * editor responsive).
 */
export function initialView(flow: Pick<ReactFlowInstance<StepNode, StepEdge>, 'fitView' | 'getNodes' | 'setViewport'>): void {
  const nodes = flow.getNodes();
  if (nodes.length <= LARGE_GRAPH) void flow.fitView({ maxZoom: 1.2, minZoom: 0.05 });
  else void flow.setViewport(entryViewport(nodes, document.querySelector('.canvas')?.getBoundingClientRect().height ?? window.innerHeight - 48));
}

/**
 * The viewport of a large workflow: its start node at the left edge, vertically centred, at a
 * readable zoom (unrendered nodes are never measured, so fitView cannot frame them).
 */
export function entryViewport(nodes: readonly StepNode[], canvasHeight: number): Viewport {
  const start = nodes.find((n) => n.data.type === 'start') ?? [...nodes].sort((a, b) => a.position.x - b.position.x)[0];
  const zoom = 0.75;
  const p = start?.position ?? { x: 0, y: 0 };
  return { x: 60 - p.x * zoom, y: canvasHeight / 2 - (p.y + NODE_HEIGHT / 2) * zoom, zoom };
}

/** Store nodes as React Flow gets them: with their size and handle geometry (cached per node object). */
const withGeometry = new WeakMap<StepNode, StepNode>();
const geometryOf = new WeakMap<StepNode['data'], StepNode['handles']>();
function flowNode(n: StepNode): StepNode {
  let out = withGeometry.get(n);
  if (!out) {
    let handles = geometryOf.get(n.data);
    if (!handles) {
      handles = handleGeometry(n.data);
      geometryOf.set(n.data, handles);
    }
    out = { ...n, initialWidth: NODE_WIDTH, initialHeight: NODE_HEIGHT, handles };
    withGeometry.set(n, out);
  }
  return out;
}

const statusColor: Record<string, string> = { running: '#2563eb', succeeded: '#16a34a', failed: '#dc2626', retrying: '#d97706', waiting: '#db2777', paused: '#7c3aed' };

export function Canvas() {
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const byEdge = useEditorStore((s) => s.validation?.byEdge);
  const onNodesChange = useEditorStore((s) => s.onNodesChange);
  const onEdgesChange = useEditorStore((s) => s.onEdgesChange);
  const connect = useEditorStore((s) => s.connect);
  const checkpoint = useEditorStore((s) => s.checkpoint);
  const runNodes = useRunStore((s) => s.nodes);
  const flow = useReactFlow<StepNode, StepEdge>();
  const minimapColor = useCallback((n: StepNode) => statusColor[runNodes[n.id]?.status ?? ''] ?? nodeLooks[n.data.type]?.color ?? '#94a3b8', [runNodes]);
  // A large workflow opens on its entry from the first frame (nothing else is rendered, then thrown away).
  const [defaultViewport] = useState(() => (nodes.length > LARGE_GRAPH ? entryViewport(nodes, window.innerHeight - 48) : undefined));

  const shownNodes = useMemo(() => nodes.map(flowNode), [nodes]);
  const shownEdges = useMemo(
    () =>
      edges.map((e): StepEdge => {
        const handle = e.sourceHandle ?? OUT;
        const issues = byEdge?.[e.id];
        const classes = [handle === 'error' ? 'edge-error' : '', handle !== OUT && handle !== 'error' ? 'edge-branch' : '', issues ? 'edge-issue' : '', runNodes[e.source]?.status === 'succeeded' ? 'edge-done' : ''].filter(Boolean).join(' ');
        const label = e.data?.label ?? (handle !== OUT ? handle : undefined);
        return { ...e, ...(classes ? { className: classes } : {}), ...(label ? { label } : {}), ...(issues ? { ariaLabel: issues.map((i) => i.message).join('; ') } : {}), data: { ...e.data } };
      }),
    [edges, byEdge, runNodes],
  );

  const isValidConnection: IsValidConnection<StepEdge> = useCallback(
    (c: Edge | Connection) => useEditorStore.getState().canConnect({ source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null, targetHandle: c.targetHandle ?? null }) === undefined,
    [],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_TYPE) as NodeType;
      if (!type || !(type in nodeLooks)) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      useEditorStore.getState().addNode(type, { x: p.x - 90, y: p.y - 30 });
    },
    [flow],
  );

  return (
    <div className="canvas" onDrop={onDrop} onDragOver={(e) => {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
    }}>
      <ReactFlow<StepNode, StepEdge>
        nodes={shownNodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={(c) => void connect(c)}
        isValidConnection={isValidConnection}
        onNodeDragStart={() => checkpoint()}
        onSelectionDragStart={() => checkpoint()}
        deleteKeyCode={null}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectionKeyCode="Shift"
        {...(defaultViewport ? { defaultViewport } : { onInit: initialView })}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <Controls />
        {nodes.length > LARGE_GRAPH ? <CanvasMiniMap nodes={nodes} color={minimapColor} /> : <MiniMap pannable zoomable nodeColor={minimapColor} />}
      </ReactFlow>
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <p>The canvas is empty.</p>
          <p className="muted">Drag a Start node from the palette, then the steps, then an End node.</p>
        </div>
      )}
    </div>
  );
}
