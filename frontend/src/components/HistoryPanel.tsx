/** The runs of this workflow, newest first; open one to replay and follow it. */
import { useEffect, useState } from 'react';
import type { ExecutionRecord } from '../api/types';
import { navigate } from '../router';
import { services } from '../services';
import { useEditorStore } from '../store/editor-store';
import { useRunStore } from '../store/run-store';
import { useUiStore } from '../store/ui-store';

export function HistoryPanel() {
  const workflowId = useEditorStore((s) => s.workflowId);
  const listsVersion = useUiStore((s) => s.listsVersion);
  const status = useRunStore((s) => s.status);
  const current = useRunStore((s) => s.executionId);
  const [runs, setRuns] = useState<ExecutionRecord[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!workflowId) return;
    services()
      .api.listExecutions({ workflowId })
      .then((p) => setRuns([...p.items].sort((a, b) => b.startedAt.localeCompare(a.startedAt))))
      .catch((err: unknown) => setError((err as Error).message));
  }, [workflowId, listsVersion, status]);
  if (!workflowId) return <p className="muted pad">Save the workflow to see its runs.</p>;
  if (error) return <p className="error-text pad">{error}</p>;
  if (!runs) return <p className="muted pad">Loading…</p>;
  if (runs.length === 0) return <p className="muted pad">No runs yet. Publish, then start one from the Run tab.</p>;
  return (
    <ul className="run-list pad" data-testid="run-history">
      {runs.map((r) => (
        <li
          key={r.executionId}
          className={`clickable ${r.executionId === current ? 'current' : ''}`}
          onClick={() => {
            navigate({ page: 'workflow', id: workflowId, run: r.executionId });
            useUiStore.getState().setTab('run');
          }}
        >
          <span className={`status-pill ${r.status.toLowerCase()}`}>{r.status}</span> <span>v{r.version}</span>{' '}
          <span className="muted small">{new Date(r.startedAt).toLocaleString()}</span>
          {r.durationMs !== undefined && <span className="muted small"> · {(r.durationMs / 1000).toFixed(2)} s</span>}
          <div className="muted small mono">{r.name ?? r.executionId}</div>
        </li>
      ))}
    </ul>
  );
}
