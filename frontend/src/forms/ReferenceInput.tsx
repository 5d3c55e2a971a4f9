/**
 * A text field that offers references to upstream outputs as you type: after `{{` a list of
 * `input...`, `nodes.<id>.output...` and `execution...` opens, filtered by what follows;
 * Enter/Tab or a click inserts the reference.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { insertReference, openReference, type ReferenceSuggestion } from '../model/references';

export interface ReferenceInputProps {
  value: string;
  onChange: (value: string) => void;
  suggestions: readonly ReferenceSuggestion[];
  multiline?: boolean;
  id?: string;
  field?: string;
  placeholder?: string;
  invalid?: boolean;
  label?: string;
}

export function ReferenceInput({ value, onChange, suggestions, multiline, id, field, placeholder, invalid, label }: ReferenceInputProps) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [open, setOpen] = useState<{ start: number; query: string } | undefined>();
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    if (!open) return [];
    const q = open.query.toLowerCase();
    return suggestions.filter((s) => s.expression.toLowerCase().includes(q)).slice(0, 12);
  }, [open, suggestions]);

  const track = (text: string, caret: number) => {
    const o = openReference(text, caret);
    setOpen(o);
    setActive(0);
  };
  const pick = (s: ReferenceSuggestion) => {
    const el = ref.current;
    if (!el || !open) return;
    const caret = el.selectionStart ?? value.length;
    const next = insertReference(value, caret, open.start, s.expression);
    onChange(next.text);
    setOpen(undefined);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!open || matches.length === 0) return;
    if (e.key === 'ArrowDown') setActive((a) => (a + 1) % matches.length);
    else if (e.key === 'ArrowUp') setActive((a) => (a - 1 + matches.length) % matches.length);
    else if (e.key === 'Enter' || e.key === 'Tab') {
      const m = matches[active];
      if (m) pick(m);
    } else if (e.key === 'Escape') setOpen(undefined);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const common = {
    ref,
    id,
    value,
    placeholder,
    'aria-label': label,
    'aria-invalid': invalid || undefined,
    'data-field': field,
    className: invalid ? 'invalid' : undefined,
    onChange: (e: { target: { value: string; selectionStart: number | null } }) => {
      onChange(e.target.value);
      track(e.target.value, e.target.selectionStart ?? e.target.value.length);
    },
    onKeyDown,
    onBlur: () => setTimeout(() => setOpen(undefined), 150),
  };
  return (
    <div className="ref-input">
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      {open && matches.length > 0 && (
        <ul className="ref-suggestions" role="listbox">
          {matches.map((m, i) => (
            <li
              key={m.expression}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(m);
              }}
            >
              <code>{`{{${m.expression}}}`}</code>
              <span>{m.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
