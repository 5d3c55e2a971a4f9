/**
 * What the toolbar and panels do against the API: save (optimistic concurrency, a clear message
 * on 409), publish, start a run and watch it, answer human input, pause/resume/stop.
 */
import { ApiError } from './api/client';
import type { ExecutionRecord } from './api/types';
import { navigate } from './router';
import { services } from './services';
import { useEditorStore } from './store/editor-store';
import { useRunStore, type InputRequest } from './store/run-store';
import { useUiStore } from './store/ui-store';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

/** Opens a stored workflow in the editor. */
export async function openWorkflow(id: string): Promise<void> {
  const rec = await services().api.getWorkflow(id);
  useEditorStore.getState().load(rec.graph, { workflowId: rec.workflowId, revision: rec.revision, ...(rec.latestVersion !== undefined ? { latestVersion: rec.latestVersion } : {}) });
  useUiStore.getState().set({ conflict: undefined });
}

/**
 * Saves the draft: creates it the first time (with an id from its name when free), then updates
 * it conditionally on the revision it was read at. Returns false when it was not saved.
 */
export async function save(options: { overwrite?: boolean } = {}): Promise<boolean> {
  const { api } = services();
  const editor = useEditorStore.getState();
  const ui = useUiStore.getState();
  const doc = editor.toDoc();
  const sent = JSON.stringify(doc);
  ui.set({ busy: 'saving' });
  try {
    let rec;
    if (!editor.workflowId) {
      const id = slug(doc.metadata.name);
      try {
        rec = await api.createWorkflow(doc, id || undefined);
      } catch (err) {
        if (!(err instanceof ApiError && err.conflict)) throw err;
        rec = await api.createWorkflow(doc); // the name's id is taken: let the server choose one
      }
    } else {
      let revision = editor.revision ?? 1;
      if (options.overwrite) revision = (await api.getWorkflow(editor.workflowId)).revision;
      rec = await api.updateWorkflow(editor.workflowId, revision, doc);
    }
    const stillSame = JSON.stringify(useEditorStore.getState().toDoc()) === sent;
    useEditorStore.getState().markSaved({ workflowId: rec.workflowId, revision: rec.revision, ...(rec.latestVersion !== undefined ? { latestVersion: rec.latestVersion } : {}) });
    if (!stillSame) useEditorStore.setState({ dirty: true });
    ui.set({ conflict: undefined });
    useEditorStore.getState().notify('success', `Saved revision ${rec.revision}`);
    if (!editor.workflowId) navigate({ page: 'workflow', id: rec.workflowId });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.conflict) {
      ui.set({ conflict: { message: `Not saved: someone saved a newer revision of this workflow since you opened revision ${editor.revision ?? '?'}. Your changes are still here. Load theirs (yours are lost) or overwrite theirs with yours.` } });
      useEditorStore.getState().notify('error', 'Save conflict: a newer revision exists (409)');
    } else useEditorStore.getState().notify('error', `Save failed: ${errorText(err)}`);
    return false;
  } finally {
    ui.set({ busy: undefined });
  }
}

/** Saves when needed, then publishes an immutable version. */
export async function publish(): Promise<boolean> {
  const editor = useEditorStore.getState();
  if ((editor.dirty || !editor.workflowId) && !(await save())) return false;
  const { api } = services();
  const ui = useUiStore.getState();
  ui.set({ busy: 'publishing' });
  try {
    const v = await api.publishWorkflow(useEditorStore.getState().workflowId as string);
    useEditorStore.setState({ latestVersion: v.version });
    useEditorStore.getState().notify('success', `Published version ${v.version}`);
    ui.set({ listsVersion: ui.listsVersion + 1 });
    return true;
  } catch (err) {
    useEditorStore.getState().notify('error', `Not published: ${errorText(err)}`);
    if (err instanceof ApiError && err.status === 422) ui.setTab('issues');
    return false;
  } finally {
    ui.set({ busy: undefined });
  }
}

function watch(record: ExecutionRecord): void {
  const { socket } = services();
  const run = useRunStore.getState();
  if (run.executionId && run.executionId !== record.executionId) socket.unsubscribe(run.executionId);
  const same = run.executionId === record.executionId;
  run.watch(record);
  run.updateRecord(record);
  if (!same) socket.subscribe(record.executionId, 0);
}

/** Starts the latest published version with this input and watches it live. */
export async function startRun(input: Record<string, unknown>): Promise<void> {
  const editor = useEditorStore.getState();
  if (!editor.workflowId) throw new Error('Save and publish the workflow first');
  const ui = useUiStore.getState();
  ui.set({ busy: 'starting' });
  try {
    const record = await services().api.execute(editor.workflowId, input, crypto.randomUUID());
    watch(record);
    ui.set({ listsVersion: ui.listsVersion + 1 });
    navigate({ page: 'workflow', id: editor.workflowId, run: record.executionId });
  } finally {
    ui.set({ busy: undefined });
  }
}

/** Opens an execution (live or finished): its events are replayed from seq 0, then followed. */
export async function openRun(executionId: string): Promise<void> {
  const record = await services().api.getExecution(executionId);
  watch(record);
}

/** Answers a human-input request: over the socket when connected, else through REST. */
export async function answer(request: InputRequest, data: unknown): Promise<void> {
  const { socket, api } = services();
  try {
    await socket.sendInput(request.execution_id, { requestId: request.request_id, nodeId: request.node_id }, data);
  } catch (err) {
    if (err instanceof Error && /not connected|connection lost|closed|no answer/.test(err.message)) {
      await api.answerInput(request.execution_id, { requestId: request.request_id, answer: data });
    } else throw err;
  }
  useRunStore.getState().answered(request.request_id);
}

/** Pause, resume or stop the watched execution. */
export async function control(action: 'pause' | 'resume' | 'stop'): Promise<void> {
  const { api } = services();
  const id = useRunStore.getState().executionId;
  if (!id) return;
  try {
    const rec = action === 'pause' ? await api.pauseExecution(id) : action === 'resume' ? await api.resumeExecution(id) : await api.stopExecution(id);
    useRunStore.getState().updateRecord(rec);
    useEditorStore.getState().notify('info', action === 'pause' ? 'Pause requested: it takes effect at the next node boundary' : action === 'resume' ? 'Resumed' : 'Stopped');
  } catch (err) {
    useEditorStore.getState().notify('error', `${action} failed: ${errorText(err)}`);
  }
}

