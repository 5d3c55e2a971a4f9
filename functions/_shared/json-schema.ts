/**
 * JSON Schema validation (ajv, draft 2020-12 and draft-07 keywords, formats), with compiled
 * validators cached by schema, and errors as `{ path, message }` a person can act on.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
addFormats(ajv);
const cache = new Map<string, ValidateFunction>();

export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

export type SchemaCheck = { ok: true } | { ok: false; errors: SchemaError[] };

/**
 * Validates `value` against a JSON Schema. An invalid schema is reported as an error at path "(schema)".
 * @example
 * ```ts
 * checkJsonSchema({ type: 'object', required: ['ok'] }, {}) // { ok: false, errors: [{ path: '/', message: "must have required property 'ok'" }] }
 * ```
 */
export function checkJsonSchema(schema: Record<string, unknown>, value: unknown): SchemaCheck {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      return { ok: false, errors: [{ path: '(schema)', message: `the schema itself is invalid: ${(err as Error).message}` }] };
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, validate);
  }
  if (validate(value)) return { ok: true };
  return {
    ok: false,
    errors: (validate.errors ?? []).slice(0, 20).map((e) => ({
      path: e.instancePath || '/',
      message: `${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}${e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : ''}`,
    })),
  };
}

/** Formats schema errors on one line. */
export function describeSchemaErrors(errors: readonly SchemaError[]): string {
  return errors.map((e) => `${e.path} ${e.message}`).join('; ');
}
