/** The start page: your workflows, a templates gallery from examples/, and import. */
import { useEffect, useRef, useState } from 'react';
import type { Session } from '../api/session';
import type { WorkflowRecord } from '../api/types';
import { navigate } from '../router';
import { parseWorkflowText } from '../model/io';
import { fromTemplate, loadTemplates, type Template } from '../model/templates';
import type { WorkflowDoc } from '../model/types';
import { services } from '../services';
import { newWorkflowDoc, useEditorStore } from '../store/editor-store';
import { nodeLooks } from '../nodes/meta';

/** Opens a document in the editor as a new, unsaved workflow. */
export function openAsNew(doc: WorkflowDoc) {
  useEditorStore.getState().load(doc);
  navigate({ page: 'new' });
}

export function Home({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [workflows, setWorkflows] = useState<WorkflowRecord[]>();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState<string>();
  const fileRef = useRef<HTMLInputElement>(null);

  const refresh = () =>
    services()
      .api.listWorkflows()
      .then((p) => setWorkflows(p.items))
      .catch((err: unknown) => setError((err as Error).message));
  useEffect(() => {
    void refresh();
    void loadTemplates().then(setTemplates);
  }, []);

  const remove = async (w: WorkflowRecord) => {
    if (!window.confirm(`Delete "${w.name}"? Its published versions stop being runnable from the editor.`)) return;
    try {
      await services().api.deleteWorkflow(w.workflowId);
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const importFile = async (file: File) => {
    try {
      openAsNew(await parseWorkflowText(await file.text()));
    } catch (err) {
      setError(`${file.name}: ${(err as Error).message}`);
    }
  };

  return (
    <div className="home">
      <header className="topbar">
        <div className="brand">
          <span className="logo" /> Stepflow
        </div>
        <div className="spacer" />
        <span className="muted">
          {session.user}
          {session.tenant ? ` @ ${session.tenant}` : ''}
        </span>
        <button onClick={onSignOut}>Sign out</button>
      </header>
      <main className="home-main">
        <section>
          <div className="section-head">
            <h2>Workflows</h2>
            <div className="spacer" />
            <input ref={fileRef} type="file" accept=".json,.yaml,.yml,application/json" hidden data-testid="import-file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
            <button onClick={() => fileRef.current?.click()}>Import JSON/YAML</button>
            <button className="primary" onClick={() => openAsNew(newWorkflowDoc())} data-testid="new-workflow">
              New workflow
            </button>
          </div>
          {error && <div className="error-text">{error}</div>}
          {workflows === undefined ? (
            <p className="muted">Loading…</p>
          ) : workflows.length === 0 ? (
            <div className="empty">
              <p>No workflows yet.</p>
              <p className="muted">Start from a blank canvas or one of the templates below.</p>
            </div>
          ) : (
            <table className="list">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Id</th>
                  <th>Revision</th>
                  <th>Published</th>
                  <th>Updated</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {workflows.map((w) => (
                  <tr key={w.workflowId} className="clickable" onClick={() => navigate({ page: 'workflow', id: w.workflowId })}>
                    <td>
                      <strong>{w.name}</strong>
                      {w.description && <div className="muted small">{w.description.slice(0, 120)}</div>}
                    </td>
                    <td>
                      <code>{w.workflowId}</code>
                    </td>
                    <td>{w.revision}</td>
                    <td>{w.latestVersion ? `v${w.latestVersion}` : <span className="muted">draft</span>}</td>
                    <td>{new Date(w.updatedAt).toLocaleString()}</td>
                    <td>
                      <button
                        className="link danger"
                        onClick={(e) => {
                          e.stopPropagation();
                          void remove(w);
                        }}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section>
          <h2>Templates</h2>
          <div className="gallery">
            {templates.map((t) => {
              const types = [...new Set(t.doc.nodes.map((n) => n.type))];
              return (
                <button key={t.id} className="template card" onClick={() => openAsNew(fromTemplate(t))} data-template={t.id}>
                  <strong>{t.doc.metadata.name}</strong>
                  <span className="muted small">{t.doc.metadata.description?.slice(0, 160)}</span>
                  <span className="chips">
                    {types.map((ty) => (
                      <span key={ty} className="chip" style={{ '--accent': nodeLooks[ty].color } as React.CSSProperties}>
                        {nodeLooks[ty].title}
                      </span>
                    ))}
                  </span>
                </button>
              );
            })}
          </div>
        </section>
      </main>
    </div>
  );
}
