/** Published versions of this workflow (immutable; runs start the latest). */
import { useEffect, useState } from 'react';
import type { WorkflowVersionRecord } from '../api/types';
import { services } from '../services';
import { useEditorStore } from '../store/editor-store';
import { useUiStore } from '../store/ui-store';

export function VersionsPanel() {
  const workflowId = useEditorStore((s) => s.workflowId);
  const listsVersion = useUiStore((s) => s.listsVersion);
  const [versions, setVersions] = useState<WorkflowVersionRecord[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!workflowId) return;
    services()
      .api.listVersions(workflowId)
      .then((p) => setVersions([...p.items].sort((a, b) => b.version - a.version)))
      .catch((err: unknown) => setError((err as Error).message));
  }, [workflowId, listsVersion]);
  if (!workflowId) return <p className="muted pad">Save and publish the workflow to create versions.</p>;
  if (error) return <p className="error-text pad">{error}</p>;
  if (!versions) return <p className="muted pad">Loading…</p>;
  if (versions.length === 0) return <p className="muted pad">Not published yet. Publish turns the current draft into version 1.</p>;
  return (
    <ul className="run-list pad" data-testid="versions">
      {versions.map((v) => (
        <li key={v.version}>
          <strong>v{v.version}</strong> <span className="muted small">from revision {v.sourceRevision ?? '?'}</span>
          <div className="muted small">
            {new Date(v.publishedAt).toLocaleString()} by {v.publishedBy}
          </div>
          <div className="muted small mono">{v.versionArn ?? v.stateMachineArn}</div>
        </li>
      ))}
    </ul>
  );
}
