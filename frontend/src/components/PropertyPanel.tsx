/**
 * Properties of the selection, every form generated from the shared schemas: a node's own
 * fields (label, description, retry, timeout) and its config; an edge's error classes; with
 * nothing selected, the workflow's metadata and settings. Compiler issues show on their fields.
 */
import { useMemo } from 'react';
import { z } from 'zod';
import { useShallow } from 'zustand/react/shallow';
import { workflowEdgeSchema, workflowMetadataSchema, workflowSettingsSchema } from '@shared/workflow';
import { configJsonSchema, nodeFieldsJsonSchema, type JsonSchema } from '../forms/json-schema';
import { normalizePath, SchemaForm } from '../forms/SchemaForm';
import { suggestReferences } from '../model/references';
import type { StepEdge, StepNode } from '../model/types';
import { nodeLooks } from '../nodes/meta';
import { useEditorStore } from '../store/editor-store';

const jsonOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
let workflowSchemas: { metadata: JsonSchema; settings: JsonSchema; edge: JsonSchema } | undefined;
function workflowFormSchemas() {
  workflowSchemas ??= {
    metadata: jsonOf(workflowMetadataSchema.omit({ id: true })),
    settings: jsonOf(workflowSettingsSchema),
    edge: jsonOf(workflowEdgeSchema.pick({ label: true, errors: true })),
  };
  return workflowSchemas;
}

function NodeProperties({ node }: { node: StepNode }) {
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const issues = useEditorStore((s) => s.validation?.byNode[node.id]);
  const updateNode = useEditorStore((s) => s.updateNode);
  const updateConfig = useEditorStore((s) => s.updateConfig);
  const suggestions = useMemo(() => suggestReferences(node.id, nodes, edges), [node.id, nodes, edges]);
  const fieldIssues = useMemo(() => {
    const out: Record<string, string[]> = {};
    for (const i of issues ?? []) if (i.field) (out[normalizePath(i.field)] ??= []).push(i.message);
    return out;
  }, [issues]);
  const general = issues?.filter((i) => !i.field || !fieldIssues[normalizePath(i.field)]) ?? [];
  const { type, config, ...own } = node.data;
  const look = nodeLooks[type];
  return (
    <div className="props" data-props-node={node.id}>
      <div className="props-head" style={{ '--accent': look.color } as React.CSSProperties}>
        <span className="step-icon">{look.icon}</span>
        <div>
          <div className="props-title">{node.data.label || node.id}</div>
          <div className="muted small">
            {look.title} · id <code>{node.id}</code>
          </div>
        </div>
      </div>
      {general.length > 0 && (
        <ul className="issue-list compact">
          {general.map((i, k) => (
            <li key={k} className={`issue ${i.severity}`}>
              <code>{i.code}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
      <h3>Config</h3>
      <SchemaForm schema={configJsonSchema(type)} value={config} onChange={(v) => updateConfig(node.id, (v ?? {}) as Record<string, unknown>)} path="config" suggestions={suggestions} fieldIssues={fieldIssues} />
      <h3>Node</h3>
      <SchemaForm
        schema={nodeFieldsJsonSchema(type)}
        value={own}
        onChange={(v) => {
          const next = (v ?? {}) as Record<string, unknown>;
          updateNode(node.id, { label: next.label as string | undefined, description: next.description as string | undefined, retry: next.retry as StepNode['data']['retry'], timeoutSeconds: next.timeoutSeconds as number | undefined });
        }}
        fieldIssues={fieldIssues}
      />
    </div>
  );
}

function EdgeProperties({ edge }: { edge: StepEdge }) {
  const issues = useEditorStore((s) => s.validation?.byEdge[edge.id]);
  const value = { ...(edge.data?.label ? { label: edge.data.label } : {}), ...(edge.data?.errors ? { errors: edge.data.errors } : {}) };
  const onChange = (v: unknown) => {
    const next = (v ?? {}) as { label?: string; errors?: string[] };
    useEditorStore.getState().checkpoint();
    useEditorStore.setState((s) => ({
      edges: s.edges.map((e) => (e.id === edge.id ? { ...e, data: { ...(next.label ? { label: next.label } : {}), ...(next.errors && edge.sourceHandle === 'error' ? { errors: next.errors } : {}) } } : e)),
      dirty: true,
      graphVersion: s.graphVersion + 1,
    }));
  };
  return (
    <div className="props">
      <div className="props-title">
        Edge <code>{edge.id}</code>
      </div>
      <p className="muted small">
        {edge.source} → {edge.target}
        {edge.sourceHandle && edge.sourceHandle !== 'out' ? ` (from "${edge.sourceHandle}")` : ''}
      </p>
      {issues?.map((i, k) => (
        <div key={k} className={`issue ${i.severity}`}>
          <code>{i.code}</code> {i.message}
        </div>
      ))}
      <SchemaForm schema={workflowFormSchemas().edge} value={value} onChange={onChange} />
      {edge.sourceHandle === 'error' && <p className="muted small">Errors: which error classes this error edge catches (none ticked: every error).</p>}
    </div>
  );
}

function WorkflowProperties() {
  const metadata = useEditorStore((s) => s.metadata);
  const settings = useEditorStore((s) => s.settings);
  const nodes = useEditorStore((s) => s.nodes);
  const { id: _id, ...meta } = metadata;
  const schemas = workflowFormSchemas();
  return (
    <div className="props">
      <div className="props-title">Workflow</div>
      <p className="muted small">{nodes.length} nodes. Select a node or an edge to edit it.</p>
      <SchemaForm schema={schemas.metadata} value={meta} onChange={(v) => useEditorStore.getState().updateMetadata((v ?? {}) as typeof meta)} path="metadata" />
      <h3>Settings</h3>
      <SchemaForm schema={schemas.settings} value={settings ?? {}} onChange={(v) => useEditorStore.getState().updateSettings(v as typeof settings)} path="settings" />
    </div>
  );
}

export function PropertyPanel() {
  const selectedNodes = useEditorStore(useShallow((s) => s.nodes.filter((n) => n.selected)));
  const selectedEdges = useEditorStore(useShallow((s) => s.edges.filter((e) => e.selected)));
  if (selectedNodes.length === 1 && selectedNodes[0]) return <NodeProperties key={selectedNodes[0].id} node={selectedNodes[0]} />;
  if (selectedNodes.length > 1 || (selectedNodes.length === 0 && selectedEdges.length > 1)) {
    return (
      <div className="props">
        <div className="props-title">
          {selectedNodes.length} nodes, {selectedEdges.length} edges selected
        </div>
        <div className="row">
          <button onClick={() => useEditorStore.getState().copy()}>Copy</button>
          <button className="danger" onClick={() => useEditorStore.getState().deleteSelected()}>
            Delete
          </button>
        </div>
      </div>
    );
  }
  if (selectedEdges.length === 1 && selectedEdges[0]) return <EdgeProperties edge={selectedEdges[0]} />;
  return <WorkflowProperties />;
}
