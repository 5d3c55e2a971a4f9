/**
 * The property forms are generated from the shared zod schemas: each schema is turned into JSON
 * Schema once (`z.toJSONSchema`, input side so defaults make fields optional) and the form
 * walks it. Nothing here knows a node type's fields.
 */
import { z } from 'zod';
import { nodeConfigSchemas, workflowNodeSchema, type NodeType } from '@shared/workflow';

/** The subset of JSON Schema (draft 2020-12) that zod emits and the forms understand. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
}

/** Resolves `$ref`s against the root document they came from. */
export interface SchemaContext {
  readonly root: JsonSchema;
}

const cache = new Map<string, JsonSchema>();

function toJson(key: string, schema: z.core.$ZodType): JsonSchema {
  let s = cache.get(key);
  if (!s) {
    s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    cache.set(key, s);
  }
  return s;
}

/**
 * The JSON Schema of a node type's `config`.
 * @example
 * ```ts
 * configJsonSchema('llm').required // ['models', 'prompt']
 * ```
 */
export function configJsonSchema(type: NodeType): JsonSchema {
  return toJson(`config:${type}`, nodeConfigSchemas[type]);
}

/**
 * The JSON Schema of a node's own fields besides id, type, position and config
 * (label, description, retry, timeoutSeconds), from the shared node schema of that type.
 */
export function nodeFieldsJsonSchema(type: NodeType): JsonSchema {
  const option = workflowNodeSchema.options.find((o) => o.shape.type.value === type);
  if (!option) throw new Error(`unknown node type ${type}`);
  return toJson(`node:${type}`, option.omit({ id: true, type: true, position: true, config: true }));
}

/** Follows a `$ref` (`#` or `#/$defs/<name>`) to its schema. */
export function resolve(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  let s = schema;
  for (let i = 0; i < 16 && s.$ref !== undefined; i += 1) {
    const ref = s.$ref;
    if (ref === '#') s = ctx.root;
    else if (ref.startsWith('#/$defs/')) s = ctx.root.$defs?.[ref.slice(8)] ?? {};
    else return {};
  }
  return s;
}

export const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type[0] : s.type);

/** The options of a union (`oneOf`/`anyOf`), resolved. */
export function unionOptions(s: JsonSchema, ctx: SchemaContext): JsonSchema[] | undefined {
  const opts = s.oneOf ?? s.anyOf;
  return opts?.map((o) => resolve(o, ctx));
}

/** The property whose `const` tells a union's object options apart (`mode`, `kind`), if any. */
export function discriminatorOf(options: JsonSchema[]): string | undefined {
  const first = options[0];
  if (!first?.properties) return undefined;
  for (const key of Object.keys(first.properties)) {
    if (options.every((o) => o.properties?.[key]?.const !== undefined)) return key;
  }
  return undefined;
}

/** A short name for a union option: its discriminator value, or its required keys. */
export function optionLabel(o: JsonSchema, discriminator: string | undefined): string {
  if (discriminator) return String(o.properties?.[discriminator]?.const);
  const t = typeOf(o);
  if (t !== 'object') return t ?? 'value';
  const req = o.required ?? Object.keys(o.properties ?? {});
  return req.length === 1 ? String(req[0]) : req.length > 1 ? 'comparison' : 'object';
}

/** Which union option a value matches (by discriminator, then by type and required keys). */
export function matchOption(options: JsonSchema[], value: unknown, discriminator: string | undefined): number {
  if (discriminator && value !== null && typeof value === 'object') {
    const d = (value as Record<string, unknown>)[discriminator];
    const i = options.findIndex((o) => o.properties?.[discriminator]?.const === d);
    if (i >= 0) return i;
  }
  const i = options.findIndex((o) => {
    const t = typeOf(o);
    if (t === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
      return (o.required ?? []).every((k) => k in (value as object));
    }
    if (t === 'array') return Array.isArray(value);
    if (t === 'integer') return typeof value === 'number';
    return t === typeof value;
  });
  return i >= 0 ? i : 0;
}

/** True for an object schema that is a free-form map of names to template values (key/value editor). */
export function isMapping(s: JsonSchema): boolean {
  return typeOf(s) === 'object' && !s.properties && s.propertyNames?.minLength !== undefined;
}

/** True for an object schema that takes any JSON object (edited as JSON text), e.g. an input schema. */
export function isFreeObject(s: JsonSchema): boolean {
  return typeOf(s) === 'object' && !s.properties && !isMapping(s);
}

/** True when a string field is long-form text (a prompt, a system prompt, source code). */
export const isLongText = (s: JsonSchema) => typeOf(s) === 'string' && (s.maxLength ?? 0) >= 4096 && !s.enum;

/**
 * The starting value for a schema: its default, else the smallest value of the right shape
 * (required properties only, `minItems` items, the first union option).
 * @example
 * ```ts
 * defaultValue(configJsonSchema('wait'), ctx) // { mode: 'duration', seconds: 0 }
 * ```
 */
export function defaultValue(schema: JsonSchema, ctx: SchemaContext, depth = 0): unknown {
  const s = resolve(schema, ctx);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const opts = unionOptions(s, ctx);
  if (opts && opts.length > 0) {
    if (depth > 8) return undefined;
    // Recursive unions (a condition is all/any/not/comparison) start from a leaf option.
    const leaf = opts.find((o) => !JSON.stringify(o).includes('"$ref"')) ?? (opts[0] as JsonSchema);
    return defaultValue(leaf, ctx, depth + 1);
  }
  switch (typeOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) {
        const p = s.properties?.[key];
        if (p) out[key] = defaultValue(p, ctx, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = s.minItems ?? 0;
      return Array.from({ length: n }, () => (s.items ? defaultValue(s.items, ctx, depth + 1) : null));
    }
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return s.minimum !== undefined && s.minimum > 0 ? s.minimum : 0;
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

/** A field name as a label: `maxTokens` -> `Max tokens`. */
export function humanize(key: string): string {
  const words = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
