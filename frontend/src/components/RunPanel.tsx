/**
 * Run and watch: an input form built from the start node's input schema, then the live run —
 * status, pause/resume/stop, open human-input requests as forms, every node's status, duration,
 * input, output, tokens and cost, and the event timeline (by seq).
 */
import { useEffect, useMemo, useState } from 'react';
import { answer, control, startRun } from '../actions';
import type { JsonSchema } from '../forms/json-schema';
import { defaultValue } from '../forms/json-schema';
import { SchemaForm } from '../forms/SchemaForm';
import { nodeInput } from '../model/run-input';
import { navigate } from '../router';
import { services } from '../services';
import { useEditorStore } from '../store/editor-store';
import { isFinal, useRunStore, type InputRequest, type NodeRun } from '../store/run-store';
import { useUiStore } from '../store/ui-store';

const ms = (v: number | undefined) => (v === undefined ? '' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
const usd = (v: number | undefined) => (v === undefined ? '' : `$${v.toFixed(v < 0.01 ? 5 : 3)}`);

function Json({ value }: { value: unknown }) {
  return <pre className="code-block small">{value === undefined ? '—' : JSON.stringify(value, null, 2)}</pre>;
}

function StartForm() {
  const workflowId = useEditorStore((s) => s.workflowId);
  const latestVersion = useEditorStore((s) => s.latestVersion);
  const dirty = useEditorStore((s) => s.dirty);
  const inputSchema = useEditorStore((s) => s.nodes.find((n) => n.data.type === 'start')?.data.config.inputSchema) as JsonSchema | undefined;
  const busy = useUiStore((s) => s.busy);
  const [input, setInput] = useState<unknown>(() => (inputSchema ? defaultValue(inputSchema, { root: inputSchema }) : {}));
  const [error, setError] = useState<string>();
  if (!workflowId || !latestVersion) {
    return (
      <div className="empty">
        <p>Nothing to run yet.</p>
        <p className="muted">Save and publish the workflow: runs start its latest published version.</p>
      </div>
    );
  }
  return (
    <form
      className="start-form"
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        startRun((input ?? {}) as Record<string, unknown>).catch((err: unknown) => setError((err as Error).message));
      }}
    >
      <h3>Run version {latestVersion}</h3>
      {dirty && <p className="warn-text small">The draft has changes that are not published: the run uses version {latestVersion}.</p>}
      {inputSchema ? (
        <SchemaForm schema={inputSchema} value={input} onChange={setInput} path="input" />
      ) : (
        <p className="muted small">The start node has no input schema: the run starts with an empty input.</p>
      )}
      {error && <div className="error-text">{error}</div>}
      <button className="primary" data-testid="start-run" disabled={busy === 'starting'}>
        {busy === 'starting' ? 'Starting…' : 'Start run'}
      </button>
    </form>
  );
}

function InputRequestForm({ request }: { request: InputRequest }) {
  const schema = request.input_schema as JsonSchema;
  const [value, setValue] = useState<unknown>(() => defaultValue(schema, { root: schema }));
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  return (
    <form
      className="card input-request"
      data-request-node={request.node_id}
      onSubmit={(e) => {
        e.preventDefault();
        setSending(true);
        setError(undefined);
        answer(request, value)
          .catch((err: unknown) => setError((err as Error).message))
          .finally(() => setSending(false));
      }}
    >
      <div className="input-request-head">
        ✋ <strong>{request.node_id}</strong> asks
      </div>
      <p className="prompt">{request.prompt}</p>
      <SchemaForm schema={schema} value={value} onChange={setValue} path="answer" />
      {error && <div className="error-text">{error}</div>}
      <button className="primary" disabled={sending} data-testid={`answer-${request.node_id}`}>
        {sending ? 'Sending…' : 'Send answer'}
      </button>
    </form>
  );
}

function NodeRow({ run, open, onToggle, input }: { run: NodeRun; open: boolean; onToggle: () => void; input: { value?: unknown; error?: string } }) {
  return (
    <>
      <tr className="clickable" onClick={onToggle} data-run-node={run.nodeId} data-status={run.status}>
        <td>
          <code>{run.nodeId}</code>
        </td>
        <td>
          <span className={`status-pill ${run.status}`}>{run.status}</span>
        </td>
        <td>{ms(run.durationMs)}</td>
        <td>{run.attempts > 1 ? run.attempts : ''}</td>
        <td>{run.usage ? run.usage.input_tokens + run.usage.output_tokens : ''}</td>
        <td>{usd(run.usage?.cost_usd)}</td>
      </tr>
      {open && (
        <tr className="detail">
          <td colSpan={6}>
            {run.model && (
              <div className="muted small">
                model {run.model}
                {run.simulated ? ' (simulated by the local model)' : ''}
              </div>
            )}
            {run.error && (
              <div className="error-text">
                {run.error.name}: {run.error.message}
              </div>
            )}
            <div className="two-col">
              <div>
                <div className="muted small">Input {run.input === undefined ? '(config with references resolved)' : ''}</div>
                <Json value={run.input ?? input.value} />
                {input.error && <div className="muted small">not all references resolved: {input.error}</div>}
              </div>
              <div>
                <div className="muted small">Output</div>
                <Json value={run.output} />
              </div>
            </div>
            {run.usage && (
              <div className="muted small">
                tokens: {run.usage.input_tokens} in, {run.usage.output_tokens} out, {run.usage.cache_read_tokens} cache read · cost {usd(run.usage.cost_usd)}
              </div>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function LiveRun() {
  const run = useRunStore();
  const [openNode, setOpenNode] = useState<string>();
  const [configs, setConfigs] = useState<Record<string, unknown>>({});
  useEffect(() => {
    if (!run.workflowId || !run.version) return;
    let live = true;
    services()
      .api.getVersion(run.workflowId, run.version)
      .then((v) => live && setConfigs(Object.fromEntries(((v.graph?.nodes ?? []) as Array<{ id: string; config?: unknown }>).map((n) => [n.id, n.config]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [run.workflowId, run.version]);
  const scope = useMemo(() => {
    const outputs: Record<string, unknown> = {};
    for (const n of Object.values(run.nodes)) if (n.output !== undefined) outputs[n.nodeId] = n.output;
    const started = run.events.find((e) => e.type === 'execution_started');
    return { input: run.input, ...(run.executionId ? { executionId: run.executionId } : {}), ...(started ? { startedAt: started.timestamp } : {}), outputs };
  }, [run.nodes, run.input, run.executionId, run.events]);
  const nodeRuns = useMemo(() => {
    const order = new Map<string, number>();
    run.events.forEach((e, i) => 'node_id' in e && e.node_id && !order.has(e.node_id) && order.set(e.node_id, i));
    return Object.values(run.nodes).sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
  }, [run.nodes, run.events]);
  const totals = useMemo(() => {
    if (run.usage) return { tokens: run.usage.input_tokens + run.usage.output_tokens, cost: run.usage.cost_usd };
    let tokens = 0;
    let cost = 0;
    for (const n of Object.values(run.nodes)) {
      tokens += n.usage ? n.usage.input_tokens + n.usage.output_tokens : 0;
      cost += n.usage?.cost_usd ?? 0;
    }
    return { tokens, cost };
  }, [run.usage, run.nodes]);
  const final = isFinal(run.status);
  const live = run.status === 'RUNNING' || run.status === 'PAUSED';
  return (
    <div className="live-run">
      <div className="run-head">
        <span className={`status-pill ${(run.status ?? 'running').toLowerCase()}`} data-testid="run-status">
          {run.status ?? 'STARTING'}
        </span>
        {run.pauseRequested && run.status === 'RUNNING' && <span className="chip">pause requested</span>}
        <span className={`conn ${run.connection}`} title="live connection" data-testid="connection">
          ● {run.connection}
        </span>
        <span className="muted small">seq {run.lastSeq}</span>
        <div className="spacer" />
        {live && (
          <>
            {run.status === 'PAUSED' || run.pauseRequested ? (
              <button onClick={() => void control('resume')} data-testid="resume">
                Resume
              </button>
            ) : (
              <button onClick={() => void control('pause')} data-testid="pause">
                Pause
              </button>
            )}
            <button className="danger" onClick={() => void control('stop')} data-testid="stop">
              Stop
            </button>
          </>
        )}
        {final && (
          <button
            onClick={() => {
              useRunStore.getState().clear();
              const id = useEditorStore.getState().workflowId;
              if (id) navigate({ page: 'workflow', id });
            }}
            data-testid="new-run"
          >
            New run
          </button>
        )}
      </div>
      <div className="muted small mono">{run.executionId}</div>
      <div className="stats">
        <div>
          <div className="stat">{ms(run.durationMs) || '…'}</div>
          <div className="muted small">duration</div>
        </div>
        <div>
          <div className="stat">{totals.tokens}</div>
          <div className="muted small">tokens</div>
        </div>
        <div>
          <div className="stat">{usd(totals.cost)}</div>
          <div className="muted small">cost</div>
        </div>
        <div>
          <div className="stat">{run.events.length}</div>
          <div className="muted small">events</div>
        </div>
      </div>
      {run.inputRequests.map((r) => (
        <InputRequestForm key={r.request_id} request={r} />
      ))}
      {run.error && (
        <div className="error-text">
          {run.error.name}: {run.error.message}
        </div>
      )}
      <h3>Nodes</h3>
      {nodeRuns.length === 0 ? (
        <p className="muted small">Waiting for the first node…</p>
      ) : (
        <table className="list compact" data-testid="node-runs">
          <thead>
            <tr>
              <th>Node</th>
              <th>Status</th>
              <th>Time</th>
              <th>Tries</th>
              <th>Tokens</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {nodeRuns.map((n) => (
              <NodeRow key={n.nodeId} run={n} open={openNode === n.nodeId} onToggle={() => setOpenNode(openNode === n.nodeId ? undefined : n.nodeId)} input={openNode === n.nodeId ? nodeInput(configs[n.nodeId], scope) : {}} />
            ))}
          </tbody>
        </table>
      )}
      {final && run.output !== undefined && (
        <>
          <h3>Output</h3>
          <Json value={run.output} />
        </>
      )}
      <h3>Timeline</h3>
      <ol className="timeline" data-testid="timeline">
        {run.events.map((e) => (
          <li key={e.event_id} data-type={e.type}>
            <span className="seq">{e.seq ?? '·'}</span>
            <span className="muted small">{new Date(e.timestamp).toLocaleTimeString()}</span> <span className={`ev ev-${e.type}`}>{e.type.replace(/_/g, ' ')}</span>
            {'node_id' in e && e.node_id && <code> {e.node_id}</code>}
            {e.type === 'node_completed' && <span className="muted small"> {ms(e.duration_ms)}</span>}
            {e.type === 'node_failed' && <span className="error-text small"> {e.error.message}</span>}
            {e.type === 'log' && <span className="muted small"> {e.message.slice(0, 80)}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function RunPanel() {
  const executionId = useRunStore((s) => s.executionId);
  return <div className="pad run-panel">{executionId ? <LiveRun /> : <StartForm />}</div>;
}
