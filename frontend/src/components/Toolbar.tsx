/** The editor's top bar: name, save state, undo/redo, layout, import/export, save, publish, run. */
import { useRef, useState } from 'react';
import { publish, save } from '../actions';
import { download, fileNameFor, formatWorkflow, parseWorkflowText } from '../model/io';
import { navigate } from '../router';
import { useEditorStore } from '../store/editor-store';
import { useUiStore } from '../store/ui-store';

export function Toolbar() {
  const name = useEditorStore((s) => s.metadata.name);
  const dirty = useEditorStore((s) => s.dirty);
  const revision = useEditorStore((s) => s.revision);
  const latestVersion = useEditorStore((s) => s.latestVersion);
  const workflowId = useEditorStore((s) => s.workflowId);
  const canUndo = useEditorStore((s) => s.past.length > 0);
  const canRedo = useEditorStore((s) => s.future.length > 0);
  const ok = useEditorStore((s) => s.validation?.ok);
  const busy = useUiStore((s) => s.busy);
  const fileRef = useRef<HTMLInputElement>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const editor = useEditorStore.getState;

  const doExport = async (format: 'json' | 'yaml') => {
    setExportOpen(false);
    const doc = editor().toDoc();
    download(await formatWorkflow(doc, format), fileNameFor(doc, format), format === 'json' ? 'application/json' : 'application/yaml');
  };
  const doImport = async (file: File) => {
    try {
      const doc = await parseWorkflowText(await file.text());
      // Imported into this workflow: its draft identity stays, so saving makes a new revision of it.
      const s = editor();
      s.checkpoint();
      const past = useEditorStore.getState().past;
      s.load({ ...doc, metadata: { ...doc.metadata, ...(s.workflowId ? { id: s.workflowId } : {}) } }, s.workflowId ? { workflowId: s.workflowId, revision: s.revision ?? 1, ...(s.latestVersion ? { latestVersion: s.latestVersion } : {}) } : undefined);
      useEditorStore.setState({ past, dirty: true });
      editor().notify('success', `Imported ${file.name}`);
    } catch (err) {
      editor().notify('error', `${file.name}: ${(err as Error).message}`);
    }
  };

  return (
    <header className="topbar">
      <button className="link brand" onClick={() => navigate({ page: 'home' })} title="All workflows">
        <span className="logo" /> Stepflow
      </button>
      <span className="sep">/</span>
      <input className="name-input" aria-label="Workflow name" value={name} onChange={(e) => editor().updateMetadata({ name: e.target.value })} />
      <span className="save-state muted small" data-testid="save-state">
        {!workflowId ? 'not saved' : dirty ? `unsaved changes (rev ${revision})` : `saved · rev ${revision}`}
        {latestVersion ? ` · v${latestVersion} published` : ''}
      </span>
      <div className="spacer" />
      <div className="btn-group">
        <button onClick={() => editor().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" aria-label="Undo">
          ↶
        </button>
        <button onClick={() => editor().redo()} disabled={!canRedo} title="Redo (Ctrl+Y / Ctrl+Shift+Z)" aria-label="Redo">
          ↷
        </button>
        <button onClick={() => void editor().layout()} title="Auto-layout (dagre)">
          Layout
        </button>
      </div>
      <div className="btn-group">
        <input ref={fileRef} type="file" accept=".json,.yaml,.yml" hidden data-testid="import-into" onChange={(e) => e.target.files?.[0] && void doImport(e.target.files[0])} />
        <button onClick={() => fileRef.current?.click()}>Import</button>
        <div className="dropdown">
          <button onClick={() => setExportOpen(!exportOpen)}>Export ▾</button>
          {exportOpen && (
            <div className="dropdown-menu">
              <button onClick={() => void doExport('json')}>JSON</button>
              <button onClick={() => void doExport('yaml')}>YAML</button>
            </div>
          )}
        </div>
      </div>
      <div className="btn-group">
        <button onClick={() => void save()} disabled={busy !== undefined} data-testid="save" title="Save the draft (Ctrl+S)">
          {busy === 'saving' ? 'Saving…' : 'Save'}
        </button>
        <button onClick={() => void publish()} disabled={busy !== undefined || ok === false} data-testid="publish" title={ok === false ? 'Fix the issues first' : 'Publish a version'}>
          {busy === 'publishing' ? 'Publishing…' : 'Publish'}
        </button>
        <button className="primary" onClick={() => useUiStore.getState().setTab('run')} data-testid="run-tab">
          ▶ Run
        </button>
      </div>
    </header>
  );
}
