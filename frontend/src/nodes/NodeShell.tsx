/**
 * The body every node type shares: title, type, a config summary, its handles (one per branch,
 * `error` in red), validation marks from the live compiler and the run status of the watched
 * execution (colour, duration).
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useEditorStore } from '../store/editor-store';
import { useRunStore } from '../store/run-store';
import { handleFraction, hasTargetHandle, sourceHandles } from '../model/handles';
import type { StepNode } from '../model/types';
import { nodeLooks, summary } from './meta';

const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

export function NodeShell({ id, data, selected }: NodeProps<StepNode>) {
  const issues = useEditorStore((s) => s.validation?.byNode[id]);
  const run = useRunStore((s) => s.nodes[id]);
  const look = nodeLooks[data.type];
  const handles = sourceHandles(data);
  const errors = issues?.filter((i) => i.severity === 'error').length ?? 0;
  const text = summary(data.type, data.config);
  const classes = ['step-node', `type-${data.type}`, selected ? 'selected' : '', errors > 0 ? 'has-issues' : '', run ? `run-${run.status}` : ''].filter(Boolean).join(' ');
  return (
    <div className={classes} style={{ '--accent': look.color } as React.CSSProperties} data-node-id={id} data-status={run?.status} title={issues?.map((i) => i.message).join('\n')}>
      {hasTargetHandle(data.type) && <Handle type="target" position={Position.Left} className="handle-in" />}
      <div className="step-node-head">
        <span className="step-icon">{look.icon}</span>
        <div className="step-titles">
          <div className="step-label">{data.label || id}</div>
          <div className="step-type">
            {look.title}
            {data.label ? ` · ${id}` : ''}
          </div>
        </div>
        {errors > 0 && (
          <span className="issue-badge" aria-label={`${errors} issues`}>
            {errors}
          </span>
        )}
      </div>
      {text && <div className="step-summary">{text}</div>}
      {run && (
        <div className="step-run" data-run-status={run.status}>
          <span className="dot" /> {run.status}
          {run.durationMs !== undefined && run.status !== 'running' ? ` · ${formatMs(run.durationMs)}` : ''}
          {run.attempts > 1 ? ` · attempt ${run.attempts}` : ''}
          {run.runs > 1 ? ` · ×${run.runs}` : ''}
        </div>
      )}
      <div className="step-handles">
        {handles.map((h, i) => (
          <Handle
            key={h.id}
            id={h.id}
            type="source"
            position={Position.Right}
            className={`handle-out handle-${h.kind}`}
            style={{ top: `${handleFraction(i, handles.length) * 100}%` }}
            title={h.label || 'next'}
          >
            {h.label && <span className="handle-label">{h.label}</span>}
          </Handle>
        ))}
      </div>
    </div>
  );
}
