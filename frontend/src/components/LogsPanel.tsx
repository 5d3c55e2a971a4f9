/** The watched run's `log` events (model deltas, agent steps, runtime notes), filterable by level. */
import { useState } from 'react';
import { useRunStore } from '../store/run-store';

const levels = ['debug', 'info', 'warn', 'error'] as const;

export function LogsPanel() {
  const logs = useRunStore((s) => s.logs);
  const executionId = useRunStore((s) => s.executionId);
  const [min, setMin] = useState<(typeof levels)[number]>('debug');
  if (!executionId) return <p className="muted pad">Logs of a run appear here while you watch it.</p>;
  const shown = logs.filter((l) => levels.indexOf(l.level) >= levels.indexOf(min));
  return (
    <div className="pad">
      <div className="row">
        <label className="inline">
          Level{' '}
          <select value={min} onChange={(e) => setMin(e.target.value as (typeof levels)[number])}>
            {levels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <span className="muted small">{shown.length} entries</span>
      </div>
      {shown.length === 0 ? (
        <p className="muted">No log entries yet.</p>
      ) : (
        <ul className="log-list" data-testid="logs">
          {shown.map((l) => (
            <li key={l.event_id} className={`log ${l.level}`}>
              <span className="muted small">{new Date(l.timestamp).toLocaleTimeString()}</span> <span className="chip">{l.level}</span>
              {l.node_id && <span className="chip">{l.node_id}</span>} {l.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
