/** The compiled state machine (ASL) as it changes. */
import { useMemo } from 'react';
import { useEditorStore } from '../store/editor-store';

export function AslPanel() {
  const validation = useEditorStore((s) => s.validation);
  const text = useMemo(() => (validation?.asl ? JSON.stringify(validation.asl, null, 2) : undefined), [validation?.asl]);
  if (!validation) return <p className="muted pad">Compiling…</p>;
  if (!text) {
    return (
      <div className="pad">
        <p className="muted">The workflow does not compile yet: fix the issues listed under Issues and the state machine appears here.</p>
      </div>
    );
  }
  return (
    <div className="asl-panel">
      <div className="asl-head muted small">
        {validation.states} states · {(new TextEncoder().encode(text).length / 1024).toFixed(1)} KB (pretty) · {validation.ms.toFixed(1)} ms
        <button className="link" onClick={() => void navigator.clipboard?.writeText(text)}>
          Copy
        </button>
      </div>
      <pre className="code-block" data-testid="asl">
        {text}
      </pre>
    </div>
  );
}
