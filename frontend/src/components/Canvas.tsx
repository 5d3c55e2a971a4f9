/**
 * The canvas: React Flow with the custom nodes, connection checks, drop from the palette, zoom,
 * pan, minimap, box and modifier multi-select. Edges show branch labels, error edges in red
 * (dashed) and validation issues.
 */
import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type IsValidConnection } from '@xyflow/react';
import { useCallback, useMemo } from 'react';
import type { NodeType } from '@shared/workflow';
import { OUT } from '../model/handles';
import type { StepEdge, StepNode } from '../model/types';
import { nodeTypes } from '../nodes';
import { nodeLooks } from '../nodes/meta';
import { useEditorStore } from '../store/editor-store';
import { useRunStore } from '../store/run-store';
import { DRAG_TYPE } from './Palette';

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
        nodes={nodes}
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
        fitView
        fitViewOptions={{ maxZoom: 1.2, minZoom: 0.05 }}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={nodes.length > 150}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <Controls />
        <MiniMap pannable zoomable nodeColor={(n) => statusColor[runNodes[n.id]?.status ?? ''] ?? nodeLooks[(n as StepNode).data.type]?.color ?? '#94a3b8'} />
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
