/**
 * The editor page: palette left, canvas centre, tabs right (properties, issues, ASL, run, logs,
 * history, versions). Runs the compiler shortly after every change and binds the shortcuts:
 * Delete, Ctrl+Z / Ctrl+Y (Ctrl+Shift+Z), Ctrl+C / Ctrl+V, Ctrl+S.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useRef, useState } from 'react';
import type { NodeType } from '@shared/workflow';
import { openRun, openWorkflow, save } from '../actions';
import type { StepEdge, StepNode } from '../model/types';
import type { Route } from '../router';
import { useEditorStore } from '../store/editor-store';
import { useRunStore } from '../store/run-store';
import { useUiStore, type SideTab } from '../store/ui-store';
import { AslPanel } from './AslPanel';
import { Canvas, initialView } from './Canvas';
import { HistoryPanel } from './HistoryPanel';
import { IssuesPanel } from './IssuesPanel';
import { LogsPanel } from './LogsPanel';
import { Palette } from './Palette';
import { PropertyPanel } from './PropertyPanel';
import { RunPanel } from './RunPanel';
import { Toolbar } from './Toolbar';
import { VersionsPanel } from './VersionsPanel';

/** Compile this long after the last change (typing stays smooth on big graphs). */
const VALIDATE_DELAY_MS = 120;

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

function useShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = useEditorStore.getState();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void save();
        return;
      }
      if (typing(e.target)) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        s.deleteSelected();
      } else if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
        e.preventDefault();
        s.redo();
      } else if (mod && e.key.toLowerCase() === 'c') {
        const n = s.copy();
        if (n > 0) s.notify('info', `Copied ${n} node(s)`);
      } else if (mod && e.key.toLowerCase() === 'v') {
        e.preventDefault();
        s.paste();
      } else if (mod && e.key.toLowerCase() === 'a') {
        e.preventDefault();
        s.select(s.nodes.map((n) => n.id));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Compiles shortly after every change, and after the first paint of a freshly opened workflow. */
function useLiveValidation() {
  const graphVersion = useEditorStore((s) => s.graphVersion);
  useEffect(() => {
    const t = setTimeout(() => useEditorStore.getState().validate(), VALIDATE_DELAY_MS);
    return () => clearTimeout(t);
  }, [graphVersion]);
}

function Notice() {
  const notice = useEditorStore((s) => s.notice);
  const [shown, setShown] = useState<number>();
  useEffect(() => {
    if (!notice) return;
    setShown(notice.at);
    const t = setTimeout(() => setShown(undefined), notice.kind === 'error' ? 8000 : 3500);
    return () => clearTimeout(t);
  }, [notice]);
  if (!notice || shown !== notice.at) return null;
  return (
    <div className={`notice ${notice.kind}`} role="status" data-testid="notice" onClick={() => setShown(undefined)}>
      {notice.text}
    </div>
  );
}

function ConflictBanner() {
  const conflict = useUiStore((s) => s.conflict);
  const workflowId = useEditorStore((s) => s.workflowId);
  if (!conflict || !workflowId) return null;
  return (
    <div className="conflict" role="alert" data-testid="conflict">
      <span>{conflict.message}</span>
      <button onClick={() => void openWorkflow(workflowId)}>Load theirs</button>
      <button className="danger" onClick={() => void save({ overwrite: true })}>
        Overwrite with mine
      </button>
    </div>
  );
}

const tabs: Array<{ id: SideTab; label: string }> = [
  { id: 'properties', label: 'Properties' },
  { id: 'issues', label: 'Issues' },
  { id: 'asl', label: 'ASL' },
  { id: 'run', label: 'Run' },
  { id: 'logs', label: 'Logs' },
  { id: 'history', label: 'History' },
  { id: 'versions', label: 'Versions' },
];

function SidePanel() {
  const tab = useUiStore((s) => s.tab);
  const errors = useEditorStore((s) => s.validation?.issues.filter((i) => i.severity === 'error').length ?? 0);
  const runStatus = useRunStore((s) => s.status);
  const waiting = useRunStore((s) => s.inputRequests.length);
  return (
    <aside className="side">
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => useUiStore.getState().setTab(t.id)} data-tab={t.id}>
            {t.label}
            {t.id === 'issues' && errors > 0 && <span className="count bad">{errors}</span>}
            {t.id === 'run' && runStatus && <span className={`count ${waiting > 0 ? 'bad' : ''}`}>{waiting > 0 ? '!' : '●'}</span>}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {tab === 'properties' && <PropertyPanel />}
        {tab === 'issues' && <IssuesPanel />}
        {tab === 'asl' && <AslPanel />}
        {tab === 'run' && <RunPanel />}
        {tab === 'logs' && <LogsPanel />}
        {tab === 'history' && <HistoryPanel />}
        {tab === 'versions' && <VersionsPanel />}
      </div>
    </aside>
  );
}

function EditorInner({ route }: { route: Route }) {
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const flow = useReactFlow<StepNode, StepEdge>();
  const id = route.page === 'workflow' ? route.id : undefined;
  const run = route.page === 'workflow' ? route.run : undefined;
  useShortcuts();
  useLiveValidation();

  const opening = useRef<string>(undefined);
  useEffect(() => {
    if (!id || useEditorStore.getState().workflowId === id || opening.current === id) return;
    opening.current = id;
    setLoading(true);
    setError(undefined);
    useRunStore.getState().clear();
    openWorkflow(id)
      .then(() => requestAnimationFrame(() => initialView(flow)))
      .catch((err: unknown) => setError((err as Error).message))
      .finally(() => {
        opening.current = undefined;
        setLoading(false);
      });
  }, [id, flow]);

  useEffect(() => {
    if (!run || useRunStore.getState().executionId === run) return;
    useUiStore.getState().setTab('run');
    openRun(run).catch((err: unknown) => useEditorStore.getState().notify('error', `Cannot open run: ${(err as Error).message}`));
  }, [run]);

  const addAtCentre = (type: NodeType) => {
    const el = document.querySelector('.canvas');
    const r = el?.getBoundingClientRect();
    const p = flow.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 800) / 2, y: (r?.top ?? 0) + (r?.height ?? 600) / 2 });
    useEditorStore.getState().addNode(type, { x: p.x - 90, y: p.y - 30 });
  };

  return (
    <div className="editor">
      <Toolbar />
      <ConflictBanner />
      <div className="editor-body">
        <Palette onAdd={addAtCentre} />
        {error ? (
          <div className="canvas canvas-empty">
            <p className="error-text">{error}</p>
          </div>
        ) : loading ? (
          <div className="canvas canvas-empty">
            <p className="muted">Opening…</p>
          </div>
        ) : (
          <Canvas />
        )}
        <SidePanel />
      </div>
      <Notice />
    </div>
  );
}

export function Editor({ route }: { route: Route }) {
  return (
    <ReactFlowProvider>
      <EditorInner route={route} />
    </ReactFlowProvider>
  );
}
