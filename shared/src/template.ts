/**
 * References between nodes: `{{nodes.<id>.<path>}}`, `{{input.<path>}}`, `{{execution.<field>}}`.
 *
 * A string that is exactly one reference keeps the referenced value's type (an array stays an
 * array); a string with text around references is interpolated (non-strings as JSON).
 * The compiler checks every reference; runtimes render them with {@link renderValue}.
 */
import { ErrorNames, NodeError } from './errors';

/** A path step: a property name or an array index. */
export type PathSegment = string | number;

/** A parsed reference. */
export type Reference =
  | { readonly kind: 'node'; readonly nodeId: string; readonly path: readonly PathSegment[] }
  | { readonly kind: 'input'; readonly path: readonly PathSegment[] }
  | { readonly kind: 'execution'; readonly field: 'id' | 'name' | 'startTime' };

/** One piece of a template string. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ref'; readonly expression: string; readonly ref: Reference };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXECUTION_FIELDS = new Set(['id', 'name', 'startTime']);
const MAX_TEMPLATE_REFS = 256;

/**
 * Parses a reference expression (the text between `{{` and `}}`).
 *
 * @example
 * ```ts
 * parseReference('nodes.summarize.output.items[0]')
 * // { ok: true, value: { kind: 'node', nodeId: 'summarize', path: ['output', 'items', 0] } }
 * ```
 */
export function parseReference(expression: string): ParseResult<Reference> {
  const text = expression.trim();
  const segments: PathSegment[] = [];
  let i = 0;
  const readIdent = (): string | undefined => {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const first = readIdent();
  if (!first) return { ok: false, error: `"${text}" must start with nodes., input or execution.` };
  segments.push(first);
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i += 1;
      const id = readIdent();
      if (!id) return { ok: false, error: `"${text}": expected a name after "." at position ${i}` };
      segments.push(id);
    } else if (c === '[') {
      const m = /^\[(\d{1,9})\]/.exec(text.slice(i));
      if (!m || m[1] === undefined) return { ok: false, error: `"${text}": expected [<index>] at position ${i}` };
      segments.push(Number(m[1]));
      i += m[0].length;
    } else {
      return { ok: false, error: `"${text}": unexpected "${c}" at position ${i}` };
    }
  }
  const [root, ...rest] = segments;
  if (root === 'nodes') {
    const [nodeId, ...path] = rest;
    if (typeof nodeId !== 'string' || !IDENT.test(nodeId)) {
      return { ok: false, error: `"${text}": expected nodes.<nodeId>` };
    }
    return { ok: true, value: { kind: 'node', nodeId, path } };
  }
  if (root === 'input') return { ok: true, value: { kind: 'input', path: rest } };
  if (root === 'execution') {
    const [field, ...more] = rest;
    if (typeof field !== 'string' || !EXECUTION_FIELDS.has(field) || more.length > 0) {
      return { ok: false, error: `"${text}": execution references are execution.id, execution.name or execution.startTime` };
    }
    return { ok: true, value: { kind: 'execution', field: field as 'id' | 'name' | 'startTime' } };
  }
  return { ok: false, error: `"${text}" must start with nodes., input or execution.` };
}

/**
 * Splits a string into text and references.
 *
 * @example
 * ```ts
 * parseTemplate('Hello {{input.name}}!')
 * // { ok: true, value: [{kind:'text',text:'Hello '}, {kind:'ref',...}, {kind:'text',text:'!'}] }
 * ```
 */
export function parseTemplate(template: string): ParseResult<TemplatePart[]> {
  const parts: TemplatePart[] = [];
  let pos = 0;
  let refs = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      parts.push({ kind: 'text', text: template.slice(pos) });
      break;
    }
    if (open > pos) parts.push({ kind: 'text', text: template.slice(pos, open) });
    const close = template.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, error: `unclosed "{{" at position ${open}` };
    const expression = template.slice(open + 2, close).trim();
    const parsed = parseReference(expression);
    if (!parsed.ok) return parsed;
    refs += 1;
    if (refs > MAX_TEMPLATE_REFS) return { ok: false, error: `more than ${MAX_TEMPLATE_REFS} references in one string` };
    parts.push({ kind: 'ref', expression, ref: parsed.value });
    pos = close + 2;
  }
  return { ok: true, value: parts };
}

/** True when the string is exactly one reference (and so keeps the referenced value's type). */
export function isExactReference(parts: readonly TemplatePart[]): parts is [TemplatePart & { kind: 'ref' }] {
  return parts.length === 1 && parts[0]?.kind === 'ref';
}

/** A reference found inside a JSON value, with the dotted field path where it was found. */
export interface FoundReference {
  readonly field: string;
  readonly expression: string;
  readonly ref: Reference;
}

/** A template that failed to parse, with where it was. */
export interface TemplateError {
  readonly field: string;
  readonly error: string;
}

/**
 * Walks a JSON value and collects every reference in its strings (iteratively: deep values
 * cannot overflow the stack).
 *
 * @example
 * ```ts
 * collectReferences({ prompt: 'Summarise {{nodes.fetch.output.body}}' }, 'config')
 * // { refs: [{ field: 'config.prompt', expression: 'nodes.fetch.output.body', ref: {...} }], errors: [] }
 * ```
 */
export function collectReferences(value: unknown, base = ''): { refs: FoundReference[]; errors: TemplateError[] } {
  const refs: FoundReference[] = [];
  const errors: TemplateError[] = [];
  const stack: Array<[unknown, string]> = [[value, base]];
  while (stack.length > 0) {
    const [v, field] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (!v.includes('{{')) continue;
      const parsed = parseTemplate(v);
      if (!parsed.ok) {
        errors.push({ field, error: parsed.error });
        continue;
      }
      for (const p of parsed.value) if (p.kind === 'ref') refs.push({ field, expression: p.expression, ref: p.ref });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i -= 1) stack.push([v[i], `${field}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [k, child] = entries[i] as [string, unknown];
        stack.push([child, field ? `${field}.${k}` : k]);
      }
    }
  }
  return { refs, errors };
}

/** What references resolve against when a runtime renders a config. */
export interface RenderScope {
  /** Results of upstream nodes, by node id (each `{ output, ... }`). */
  readonly nodes: Readonly<Record<string, unknown>>;
  /** The execution input (the start node's output). */
  readonly input?: unknown;
  readonly execution?: { readonly id?: string; readonly name?: string; readonly startTime?: string };
}

function describePath(ref: Reference): string {
  if (ref.kind === 'execution') return `execution.${ref.field}`;
  const head = ref.kind === 'node' ? `nodes.${ref.nodeId}` : 'input';
  return ref.path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : `${s}.${seg}`), head);
}

/**
 * Resolves one reference against a scope.
 * @throws NodeError `Stepflow.ReferenceError` when it points at nothing.
 * @example
 * ```ts
 * resolveReference({ kind: 'input', path: ['a'] }, { nodes: {}, input: { a: 1 } }) // 1
 * ```
 */
export function resolveReference(ref: Reference, scope: RenderScope): unknown {
  let current: unknown;
  let path: readonly PathSegment[];
  if (ref.kind === 'execution') {
    current = scope.execution?.[ref.field];
    path = [];
  } else if (ref.kind === 'input') {
    current = scope.input;
    path = ref.path;
  } else {
    if (!Object.prototype.hasOwnProperty.call(scope.nodes, ref.nodeId)) {
      throw new NodeError(ErrorNames.Reference, `${describePath(ref)}: node "${ref.nodeId}" has no result in this execution`);
    }
    current = scope.nodes[ref.nodeId];
    path = ref.path;
  }
  for (const seg of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, seg)) {
      throw new NodeError(ErrorNames.Reference, `${describePath(ref)} is undefined (no "${String(seg)}")`);
    }
    current = (current as Record<string | number, unknown>)[seg];
  }
  if (current === undefined) throw new NodeError(ErrorNames.Reference, `${describePath(ref)} is undefined`);
  return current;
}

function renderString(value: string, scope: RenderScope): unknown {
  if (!value.includes('{{')) return value;
  const parsed = parseTemplate(value);
  if (!parsed.ok) throw new NodeError(ErrorNames.Validation, parsed.error);
  if (isExactReference(parsed.value)) return resolveReference(parsed.value[0].ref, scope);
  return parsed.value
    .map((p) => {
      if (p.kind === 'text') return p.text;
      const v = resolveReference(p.ref, scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    })
    .join('');
}

/**
 * Renders every template string inside a JSON value.
 *
 * @example
 * ```ts
 * renderValue({ q: 'about {{input.topic}}', n: '{{input.n}}' }, { nodes: {}, input: { topic: 'x', n: 3 } })
 * // { q: 'about x', n: 3 }
 * ```
 */
export function renderValue(value: unknown, scope: RenderScope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = renderValue(v, scope);
    return out;
  }
  return value;
}
