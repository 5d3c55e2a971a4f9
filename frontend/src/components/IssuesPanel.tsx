/** The live compiler's issues; clicking one selects and shows the offending node or edge. */
import { useReactFlow } from '@xyflow/react';
import { useEditorStore } from '../store/editor-store';
import { useUiStore } from '../store/ui-store';

export function IssuesPanel() {
  const validation = useEditorStore((s) => s.validation);
  const flow = useReactFlow();
  if (!validation) return <p className="muted pad">Checking…</p>;
  const show = (nodeId?: string, edgeId?: string) => {
    const ids = [nodeId, edgeId].filter((x): x is string => Boolean(x));
    useEditorStore.getState().select(edgeId && !nodeId ? [edgeId] : ids.slice(0, 1));
    const edge = edgeId ? useEditorStore.getState().edges.find((e) => e.id === edgeId) : undefined;
    const focus = nodeId ?? edge?.source;
    if (focus) void flow.fitView({ nodes: [{ id: focus }, ...(edge ? [{ id: edge.target }] : [])], duration: 300, maxZoom: 1.2 });
    if (nodeId) useUiStore.getState().setTab('properties');
  };
  return (
    <div className="pad issues-panel">
      <div className={`validation-summary ${validation.ok ? 'ok' : 'bad'}`} data-testid="validation-summary">
        {validation.ok ? '✓ Compiles' : `✕ ${validation.issues.filter((i) => i.severity === 'error').length} error(s)`}
        <span className="muted small">
          {' '}
          · compiled in {validation.ms.toFixed(1)} ms{validation.states !== undefined ? ` · ${validation.states} states` : ''}
        </span>
      </div>
      {validation.issues.length === 0 ? (
        <p className="muted">No issues. Publish when you are ready.</p>
      ) : (
        <ul className="issue-list" data-testid="issue-list">
          {validation.issues.map((i, k) => (
            <li key={k} className={`issue ${i.severity} clickable`} data-code={i.code} data-node={i.nodeId} data-edge={i.edgeId} onClick={() => show(i.nodeId, i.edgeId)}>
              <div>
                <code>{i.code}</code>
                {i.nodeId && <span className="chip">node {i.nodeId}</span>}
                {i.edgeId && <span className="chip">edge {i.edgeId}</span>}
                {i.field && <span className="chip">{i.field}</span>}
              </div>
              <div>{i.message}</div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
