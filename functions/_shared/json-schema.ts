/**
 * JSON Schema checks with errors as `{ path, message }` (a JSON Pointer and what is wrong), for
 * answers to human input, structured LLM output and execution input. One validator serves
 * every caller: see json-schema-args.ts (draft-07, 2019-09 and 2020-12, cached, bounded).
 */
import { checkArguments } from './json-schema-args';

export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

export type SchemaCheck = { ok: true } | { ok: false; errors: SchemaError[] };

const pointer = (path: readonly PropertyKey[]) => (path.length === 0 ? '/' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);

/**
 * Validates `value` against a JSON Schema.
 * @example
 * ```ts
 * checkJsonSchema({ type: 'object', required: ['ok'] }, {}) // { ok: false, errors: [{ path: '/ok', message: 'is required' }] }
 * ```
 */
export function checkJsonSchema(schema: Record<string, unknown>, value: unknown): SchemaCheck {
  const check = checkArguments(schema, value);
  return check.ok ? { ok: true } : { ok: false, errors: check.issues.map((i) => ({ path: pointer(i.path), message: i.message })) };
}

/** Formats schema errors on one line. */
export function describeSchemaErrors(errors: readonly SchemaError[]): string {
  return errors.map((e) => `${e.path} ${e.message}`).join('; ');
}
