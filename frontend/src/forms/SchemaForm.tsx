/**
 * A form generated from a JSON Schema (the shared zod schemas via `z.toJSONSchema`, or a start
 * node's / human-input node's own schema): objects, unions (a picker on the discriminator,
 * recursive ones included), enums, strings (with reference suggestions), numbers, booleans,
 * arrays, name -> value mappings and free JSON objects. Nothing in it knows a node type.
 */
import { createContext, useContext, useEffect, useId, useState } from 'react';
import type { ReferenceSuggestion } from '../model/references';
import {
  defaultValue,
  discriminatorOf,
  humanize,
  isFreeObject,
  isLongText,
  isMapping,
  matchOption,
  optionLabel,
  resolve,
  typeOf,
  unionOptions,
  type JsonSchema,
  type SchemaContext,
} from './json-schema';
import { ReferenceInput } from './ReferenceInput';

export interface SchemaFormProps {
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The dotted path of the value (e.g. `config`); fields are `config.prompt`, `config.models.0.model`. */
  path?: string;
  /** References offered in text fields. */
  suggestions?: readonly ReferenceSuggestion[];
  /** Messages per field path (from the compiler's issues). */
  fieldIssues?: Readonly<Record<string, string[]>>;
}

interface FormContext extends SchemaContext {
  suggestions: readonly ReferenceSuggestion[];
  fieldIssues: Readonly<Record<string, string[]>>;
}
const Ctx = createContext<FormContext>({ root: {}, suggestions: [], fieldIssues: {} });

/** Normalises `a.b[0].c` to `a.b.0.c` so issue fields and form paths compare equal. */
export const normalizePath = (p: string) => p.replace(/\[(\d+)\]/g, '.$1');

export function SchemaForm({ schema, value, onChange, path = '', suggestions = [], fieldIssues = {} }: SchemaFormProps) {
  return (
    <Ctx.Provider value={{ root: schema, suggestions, fieldIssues }}>
      <div className="schema-form">
        <Field schema={schema} value={value} onChange={onChange} path={path} name="" required />
      </div>
    </Ctx.Provider>
  );
}

interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  path: string;
  name: string;
  required: boolean;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

function Issues({ path }: { path: string }) {
  const { fieldIssues } = useContext(Ctx);
  const msgs = fieldIssues[path];
  if (!msgs || msgs.length === 0) return null;
  return (
    <div className="field-issues" role="alert">
      {msgs.map((m) => (
        <div key={m}>{m}</div>
      ))}
    </div>
  );
}

function Labelled({ label, htmlFor, children, path, hint }: { label: string; htmlFor?: string; children: React.ReactNode; path: string; hint?: string }) {
  return (
    <div className="field" data-path={path}>
      {label && (
        <label htmlFor={htmlFor}>
          {label}
          {hint && <span className="hint">{hint}</span>}
        </label>
      )}
      {children}
      <Issues path={path} />
    </div>
  );
}

function Field(props: FieldProps) {
  const ctx = useContext(Ctx);
  const s = resolve(props.schema, ctx);
  const options = unionOptions(s, ctx);
  if (options) return <UnionField {...props} schema={s} options={options} />;
  if (s.const !== undefined) return null;
  if (s.enum) return <EnumField {...props} schema={s} />;
  switch (typeOf(s)) {
    case 'object':
      if (isMapping(s)) return <MappingField {...props} schema={s} />;
      if (isFreeObject(s)) return <JsonField {...props} schema={s} />;
      return <ObjectField {...props} schema={s} />;
    case 'array':
      return <ArrayField {...props} schema={s} />;
    case 'string':
      return <StringField {...props} schema={s} />;
    case 'number':
    case 'integer':
      return <NumberField {...props} schema={s} />;
    case 'boolean':
      return <BooleanField {...props} />;
    default:
      return <JsonField {...props} schema={s} />;
  }
}

function constraintHint(s: JsonSchema): string | undefined {
  const parts: string[] = [];
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.default !== undefined && typeof s.default !== 'object') parts.push(`default ${String(s.default)}`);
  return parts.length ? parts.join(', ') : undefined;
}

function ObjectField({ schema, value, onChange, path, name, required }: FieldProps) {
  const ctx = useContext(Ctx);
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (!obj && !required) {
    return (
      <div className="field optional-object" data-path={path}>
        <button type="button" className="link" onClick={() => onChange(defaultValue(schema, ctx))} data-add={path}>
          + {humanize(name)}
        </button>
      </div>
    );
  }
  const current = obj ?? {};
  const set = (key: string, v: unknown) => {
    const next = { ...current };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(next);
  };
  const req = new Set(schema.required ?? []);
  const body = Object.entries(schema.properties ?? {}).map(([key, prop]) => {
    const p = resolve(prop, ctx);
    if (p.const !== undefined) return null;
    return <Field key={key} schema={prop} value={current[key]} onChange={(v) => set(key, v)} path={join(path, key)} name={key} required={req.has(key)} />;
  });
  if (!name) return <>{body}</>;
  return (
    <fieldset className="object-field" data-path={path}>
      <legend>
        {humanize(name)}
        {!required && (
          <button type="button" className="link danger" onClick={() => onChange(undefined)} aria-label={`remove ${name}`}>
            remove
          </button>
        )}
      </legend>
      {body}
      <Issues path={path} />
    </fieldset>
  );
}

function UnionField({ schema, options, value, onChange, path, name, required }: FieldProps & { options: JsonSchema[] }) {
  const ctx = useContext(Ctx);
  const id = useId();
  const primitive = options.every((o) => ['string', 'number', 'integer', 'boolean'].includes(typeOf(o) ?? '') && !o.enum);
  if (primitive) {
    if (options.every((o) => typeOf(o) === 'string')) return <StringField schema={options[0] as JsonSchema} value={value} onChange={onChange} path={path} name={name} required={required} />;
    return <LooseValueField schema={schema} value={value} onChange={onChange} path={path} name={name} required={required} types={options.map((o) => typeOf(o) ?? 'string')} />;
  }
  const disc = discriminatorOf(options);
  const index = value === undefined ? -1 : matchOption(options, value, disc);
  const chosen = index >= 0 ? options[index] : undefined;
  return (
    <div className="union-field" data-path={path}>
      <Labelled label={name ? humanize(disc && !name ? disc : name) : disc ? humanize(disc) : ''} htmlFor={id} path={`${path}#kind`}>
        <select
          id={id}
          data-field={disc ? join(path, disc) : `${path}#kind`}
          value={index}
          onChange={(e) => {
            const i = Number(e.target.value);
            onChange(i < 0 ? undefined : defaultValue(options[i] as JsonSchema, ctx));
          }}
        >
          {(!required || index < 0) && <option value={-1}>{required ? 'choose…' : '(none)'}</option>}
          {options.map((o, i) => (
            <option key={i} value={i}>
              {optionLabel(o, disc)}
            </option>
          ))}
        </select>
      </Labelled>
      {chosen && (
        <div className="union-body">
          <Field schema={chosen} value={value} onChange={onChange} path={path} name="" required />
        </div>
      )}
    </div>
  );
}

function EnumField({ schema, value, onChange, path, name, required }: FieldProps) {
  const id = useId();
  const values = schema.enum ?? [];
  const index = values.findIndex((v) => v === value);
  return (
    <Labelled label={humanize(name)} htmlFor={id} path={path}>
      <select id={id} data-field={path} value={index} onChange={(e) => onChange(Number(e.target.value) < 0 ? undefined : values[Number(e.target.value)])}>
        {(!required || index < 0) && <option value={-1}>{required ? 'choose…' : `(default${schema.default !== undefined ? `: ${String(schema.default)}` : ''})`}</option>}
        {values.map((v, i) => (
          <option key={String(v)} value={i}>
            {String(v)}
          </option>
        ))}
      </select>
    </Labelled>
  );
}

function StringField({ schema, value, onChange, path, name, required }: FieldProps) {
  const { suggestions, fieldIssues } = useContext(Ctx);
  const id = useId();
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const hint = schema.format === 'date-time' ? 'ISO-8601 time or {{reference}}' : schema.format === 'uri' ? 'URL' : schema.pattern?.startsWith('^\\{\\{') ? '{{reference}}' : undefined;
  return (
    <Labelled label={humanize(name)} htmlFor={id} path={path} {...(hint ? { hint } : {})}>
      <ReferenceInput
        id={id}
        field={path}
        label={humanize(name)}
        value={text}
        multiline={isLongText(schema)}
        suggestions={suggestions}
        invalid={Boolean(fieldIssues[path])}
        onChange={(v) => onChange(v === '' && !required ? undefined : v)}
      />
    </Labelled>
  );
}

function NumberField({ schema, value, onChange, path, name }: FieldProps) {
  const id = useId();
  const [text, setText] = useState(typeof value === 'number' ? String(value) : '');
  useEffect(() => {
    if (Number(text) !== value) setText(typeof value === 'number' ? String(value) : '');
  }, [value]);
  const hint = constraintHint(schema);
  return (
    <Labelled label={humanize(name)} htmlFor={id} path={path} {...(hint ? { hint } : {})}>
      <input
        id={id}
        type="number"
        data-field={path}
        value={text}
        step={typeOf(schema) === 'integer' ? 1 : 'any'}
        {...(schema.minimum !== undefined ? { min: schema.minimum } : {})}
        {...(schema.maximum !== undefined ? { max: schema.maximum } : {})}
        onChange={(e) => {
          setText(e.target.value);
          const n = e.target.value === '' ? undefined : Number(e.target.value);
          if (n === undefined || Number.isFinite(n)) onChange(n);
        }}
      />
    </Labelled>
  );
}

function BooleanField({ value, onChange, path, name }: FieldProps) {
  const id = useId();
  return (
    <div className="field checkbox" data-path={path}>
      <input id={id} type="checkbox" data-field={path} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{humanize(name)}</label>
      <Issues path={path} />
    </div>
  );
}

/** A value that may be a string, a number or a boolean: typed as written (`42`, `true`, `high`). */
function LooseValueField({ value, onChange, path, name, required, types }: FieldProps & { types: string[] }) {
  const id = useId();
  const text = value === undefined ? '' : String(value);
  const parse = (t: string): unknown => {
    if (t === '') return required ? '' : undefined;
    if (types.includes('boolean') && (t === 'true' || t === 'false')) return t === 'true';
    if ((types.includes('number') || types.includes('integer')) && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    return t;
  };
  return (
    <Labelled label={humanize(name)} htmlFor={id} path={path} hint={types.join(' | ')}>
      <input id={id} type="text" data-field={path} value={text} onChange={(e) => onChange(parse(e.target.value))} />
    </Labelled>
  );
}

function ArrayField({ schema, value, onChange, path, name, required }: FieldProps) {
  const ctx = useContext(Ctx);
  const items = Array.isArray(value) ? value : [];
  const itemSchema = resolve(schema.items ?? {}, ctx);
  if (itemSchema.enum) {
    const chosen = new Set(items);
    return (
      <Labelled label={humanize(name)} path={path}>
        <div className="checks" data-field={path}>
          {itemSchema.enum.map((v) => (
            <label key={String(v)} className="check">
              <input
                type="checkbox"
                checked={chosen.has(v)}
                onChange={(e) => {
                  const next = itemSchema.enum?.filter((x) => (x === v ? e.target.checked : chosen.has(x))) ?? [];
                  onChange(next.length === 0 && !required ? undefined : next);
                }}
              />
              {String(v)}
            </label>
          ))}
        </div>
      </Labelled>
    );
  }
  const set = (i: number, v: unknown) => onChange(items.map((x, j) => (j === i ? v : x)));
  const remove = (i: number) => {
    const next = items.filter((_, j) => j !== i);
    onChange(next.length === 0 && !required ? undefined : next);
  };
  const canAdd = schema.maxItems === undefined || items.length < schema.maxItems;
  const scalar = ['string', 'number', 'integer', 'boolean'].includes(typeOf(itemSchema) ?? '');
  return (
    <fieldset className="array-field" data-path={path}>
      <legend>{humanize(name)}</legend>
      {items.map((item, i) => (
        <div key={i} className={scalar ? 'array-item scalar' : 'array-item'}>
          <Field schema={schema.items ?? {}} value={item} onChange={(v) => set(i, v)} path={join(path, i)} name={scalar ? '' : `${humanize(name)} ${i + 1}`.replace(/s (\d+)$/, ' $1')} required />
          <button type="button" className="link danger" onClick={() => remove(i)} aria-label={`remove ${name} ${i + 1}`}>
            ✕
          </button>
        </div>
      ))}
      {canAdd && (
        <button type="button" className="link" data-add={path} onClick={() => onChange([...items, defaultValue(schema.items ?? {}, ctx)])}>
          + add
        </button>
      )}
      <Issues path={path} />
    </fieldset>
  );
}

/** Values of a mapping: strings stay strings; JSON literals (`42`, `true`, `{...}`) become values. */
function parseLoose(text: string): unknown {
  const t = text.trim();
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(t) || /^[[{]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}
const showLoose = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function MappingField({ value, onChange, path, name, required }: FieldProps) {
  const { suggestions } = useContext(Ctx);
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const rows = Object.entries(obj);
  const emit = (entries: Array<[string, unknown]>) => onChange(entries.length === 0 && !required ? undefined : Object.fromEntries(entries));
  const freshKey = () => {
    for (let i = rows.length + 1; ; i += 1) if (!(`key${i}` in obj)) return `key${i}`;
  };
  return (
    <fieldset className="mapping-field" data-path={path}>
      <legend>{humanize(name)}</legend>
      {rows.map(([k, v], i) => (
        <div className="mapping-row" key={i}>
          <input
            type="text"
            aria-label={`${name} key ${i + 1}`}
            data-field={`${join(path, k)}#key`}
            value={k}
            onChange={(e) => emit(rows.map(([kk, vv], j) => (j === i ? [e.target.value, vv] : [kk, vv])))}
          />
          <ReferenceInput label={`${name} value ${i + 1}`} field={join(path, k)} value={showLoose(v)} suggestions={suggestions} onChange={(t) => emit(rows.map(([kk, vv], j) => (j === i ? [kk, parseLoose(t)] : [kk, vv])))} />
          <button type="button" className="link danger" aria-label={`remove ${k}`} onClick={() => emit(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="link" data-add={path} onClick={() => emit([...rows, [freshKey(), '']])}>
        + add entry
      </button>
      <Issues path={path} />
    </fieldset>
  );
}

/** Any JSON object (a JSON Schema, an event pattern) edited as text; applied when it parses. */
function JsonField({ value, onChange, path, name, required }: FieldProps) {
  const id = useId();
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => {
    try {
      if (JSON.stringify(text.trim() === '' ? undefined : JSON.parse(text)) === JSON.stringify(value)) return;
    } catch {
      /* the text is being edited; an outside change replaces it below */
    }
    setText(shown);
    setError(undefined);
  }, [shown]);
  return (
    <Labelled label={humanize(name)} htmlFor={id} path={path} hint="JSON">
      <textarea
        id={id}
        data-field={path}
        className={error ? 'code invalid' : 'code'}
        rows={Math.min(12, Math.max(3, text.split('\n').length))}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setError(undefined);
            onChange(required ? {} : undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setError(undefined);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
      {error && <div className="field-issues">Not valid JSON yet: {error}</div>}
    </Labelled>
  );
}
