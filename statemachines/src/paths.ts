/**
 * Turning `{{references}}` into JSONPath, mappings into `Parameters` payload templates, and
 * strings with references into `States.Format` calls.
 */
import { collectReferences, parseTemplate, isExactReference, type PathSegment, type Reference } from '@shared/template';
import type { Json, JsonObject } from './asl';

/** Where results live in the state: `$.nodes.<id>`. */
export const NODES = '$.nodes';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function appendPath(base: string, path: readonly PathSegment[]): string {
  let p = base;
  for (const seg of path) {
    if (typeof seg === 'number') p += `[${seg}]`;
    else if (IDENT.test(seg)) p += `.${seg}`;
    else p += `['${seg}']`;
  }
  return p;
}

/**
 * The JSONPath of a reference in the state (or the context object).
 * @example
 * ```ts
 * referencePath({ kind: 'input', path: ['topic'] }, 'start') // '$.nodes.start.output.topic'
 * ```
 */
export function referencePath(ref: Reference, startId: string): string {
  if (ref.kind === 'execution') return `$$.Execution.${ref.field === 'id' ? 'Id' : ref.field === 'name' ? 'Name' : 'StartTime'}`;
  if (ref.kind === 'input') return appendPath(`${NODES}.${startId}.output`, ref.path);
  return appendPath(`${NODES}.${ref.nodeId}`, ref.path);
}

/** Escapes literal text for an intrinsic function's string argument. */
function escapeIntrinsic(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}
function intrinsicString(text: string): string {
  return `'${escapeIntrinsic(text)}'`;
}

/** A mapping value that cannot be expressed in a Pass state. */
export class MappingError extends Error {
  /** Set by the compiler once it knows which node was being emitted. */
  nodeId: string | undefined;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

/**
 * Compiles one value of a mapping: returns `[key, value]` for a payload template.
 * Exact references keep their type (`key.$: path`); strings with references become
 * `States.Format` (scalars only); nested objects recurse; arrays may hold scalars and references.
 */
function compileEntry(key: string, value: unknown, startId: string, field: string): [string, Json] {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return [key, value];
    const parsed = parseTemplate(value);
    if (!parsed.ok) throw new MappingError(field, parsed.error);
    if (isExactReference(parsed.value)) return [`${key}.$`, referencePath(parsed.value[0].ref, startId)];
    let format = '';
    const args: string[] = [];
    for (const p of parsed.value) {
      if (p.kind === 'text') format += escapeIntrinsic(p.text);
      else {
        format += '{}';
        args.push(referencePath(p.ref, startId));
      }
    }
    return [`${key}.$`, `States.Format(${[`'${format}'`, ...args].join(', ')})`];
  }
  if (Array.isArray(value)) {
    // Any template inside the list, however deep, needs States.Array (a literal list would keep
    // the "{{...}}" text unrendered).
    const hasRefs = collectReferences(value).refs.length > 0;
    if (!hasRefs) return [key, value as Json];
    const args = value.map((v, i) => {
      if (typeof v === 'string') {
        const parsed = parseTemplate(v);
        if (!parsed.ok) throw new MappingError(`${field}[${i}]`, parsed.error);
        if (isExactReference(parsed.value)) return referencePath(parsed.value[0].ref, startId);
        if (parsed.value.every((p) => p.kind === 'text')) return intrinsicString(v);
        throw new MappingError(`${field}[${i}]`, 'in a list, a string must be plain text or exactly one reference');
      }
      if (typeof v === 'number' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
      throw new MappingError(`${field}[${i}]`, 'a list that contains references may hold only scalars and references');
    });
    return [`${key}.$`, `States.Array(${args.join(', ')})`];
  }
  if (value !== null && typeof value === 'object') {
    return [key, compileMapping(value as Record<string, unknown>, startId, field)];
  }
  return [key, value as Json];
}

/**
 * Compiles a mapping (`{ key: value-or-template }`) to a payload template for `Parameters`.
 * @example
 * ```ts
 * compileMapping({ title: '{{nodes.a.output.title}}', n: 3 }, 'start')
 * // { 'title.$': '$.nodes.a.output.title', n: 3 }
 * ```
 */
export function compileMapping(mapping: Record<string, unknown>, startId: string, field = 'config'): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (key.endsWith('.$')) throw new MappingError(`${field}.${key}`, 'keys may not end in ".$"');
    const [k, v] = compileEntry(key, value, startId, `${field}.${key}`);
    out[k] = v;
  }
  return out;
}
