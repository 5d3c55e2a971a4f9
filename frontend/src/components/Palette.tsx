/** Every node type, grouped: drag one onto the canvas (or click to add it in the middle). */
import { nodeTypes, type NodeType } from '@shared/workflow';
import { nodeLooks, type NodeLook } from '../nodes/meta';

export const DRAG_TYPE = 'application/x-stepflow-node';
const groups: NodeLook['group'][] = ['Flow', 'AI', 'Actions', 'Control'];

export function Palette({ onAdd }: { onAdd: (type: NodeType) => void }) {
  return (
    <nav className="palette" aria-label="Node palette">
      {groups.map((g) => (
        <div key={g} className="palette-group">
          <div className="palette-title">{g}</div>
          {nodeTypes
            .filter((t) => nodeLooks[t].group === g)
            .map((t) => (
              <div
                key={t}
                className="palette-item"
                draggable
                role="button"
                tabIndex={0}
                data-palette={t}
                style={{ '--accent': nodeLooks[t].color } as React.CSSProperties}
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, t);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                onDoubleClick={() => onAdd(t)}
                onKeyDown={(e) => e.key === 'Enter' && onAdd(t)}
                title={`${nodeLooks[t].blurb}. Drag onto the canvas (or double-click).`}
              >
                <span className="step-icon">{nodeLooks[t].icon}</span>
                <span>
                  <span className="palette-name">{nodeLooks[t].title}</span>
                  <span className="palette-blurb">{nodeLooks[t].blurb}</span>
                </span>
              </div>
            ))}
        </div>
      ))}
    </nav>
  );
}
