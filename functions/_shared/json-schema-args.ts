/**
 * Validation of tool arguments against a JSON Schema someone else declared (an MCP server's
 * `inputSchema`), with ajv. Errors come back with a field path, so a model or a person can
 * see which argument to fix.
 *
 * Dialects: a schema's `$schema` picks the validator (draft-07 and older, 2019-09, 2020-12); a
 * schema without one is read as 2020-12, the MCP specification's default dialect.
 */
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type Ajv2019 from 'ajv/dist/2019';
import type Ajv2020 from 'ajv/dist/2020';
import * as z from 'zod/mini';
import '@shared/zod-en';

/** One failed check: `path` is the argument's location as segments (`['address', 'city']`, `['tags', 0]`). */
export interface ArgumentIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type ArgumentCheck = { readonly ok: true } | { readonly ok: false; readonly issues: readonly ArgumentIssue[] };

// strict: false because servers declare keywords ajv does not know (titles in odd places,
// vendor extensions); allErrors so a model can fix every argument in one go.
const options = { strict: false, allErrors: true } as const;
// Loaded and built on first use: ajv (about 150 KB with its formats) and its meta-schemas would
// otherwise add to every cold start of functions whose common path validates no JSON Schema (an
// llm node without outputSchema, a built-in tool call).
let validators: { draft07: Ajv; draft2019: Ajv2019; draft2020: Ajv2020 } | undefined;
function ajvs() {
  if (!validators) {
    /* eslint-disable @typescript-eslint/no-require-imports -- deliberately deferred loading */
    const { Ajv: Draft07, Ajv2019: Draft2019, Ajv2020: Draft2020, addFormats } = require('./lazy/ajv') as typeof import('./lazy/ajv');
    /* eslint-enable @typescript-eslint/no-require-imports */
    validators = { draft07: new Draft07(options), draft2019: new Draft2019(options), draft2020: new Draft2020(options) };
    for (const ajv of Object.values(validators)) addFormats(ajv);
  }
  return validators;
}

const cache = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 256;

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = cache.get(key);
  if (cached) return cached;
  const { draft07, draft2019, draft2020 } = ajvs();
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  let compiled: ValidateFunction;
  if (dialect.includes('2020-12') || dialect === '') compiled = draft2020.compile(schema);
  else if (dialect.includes('2019-09')) compiled = draft2019.compile(schema);
  else {
    // draft-04/06/07: the draft-07 validator reads them (ajv 8 has no draft-04 meta-schema, so
    // the declaration is dropped rather than failing on an unknown meta-schema).
    const { $schema: _declared, ...rest } = schema;
    compiled = draft07.compile(dialect.includes('draft-07') ? schema : rest);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

/** `/address/city` -> ['address', 'city'] (JSON Pointer unescaping, array indices as numbers). */
function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toIssue(e: ErrorObject): ArgumentIssue {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') return { path: [...path, params.missingProperty], message: 'is required' };
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { path: [...path, params.additionalProperty], message: 'is not an allowed property' };
  }
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) return { path, message: `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
  return { path, message: e.message ?? `fails "${e.keyword}"` };
}

/**
 * Checks `value` against a JSON Schema. A schema ajv cannot compile is reported as one issue
 * at the root (the server's fault, but still a reason not to call it).
 *
 * @example
 * ```ts
 * checkArguments({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, {})
 * // { ok: false, issues: [{ path: ['city'], message: 'is required' }] }
 * ```
 */
export function checkArguments(schema: Record<string, unknown>, value: unknown): ArgumentCheck {
  let validate: ValidateFunction;
  try {
    validate = validatorFor(schema);
  } catch (err) {
    return { ok: false, issues: [{ path: [], message: `the tool's declared input schema is invalid: ${(err as Error).message}` }] };
  }
  if (validate(value)) return { ok: true };
  return { ok: false, issues: (validate.errors ?? []).slice(0, 20).map(toIssue) };
}

/**
 * One-line description of issues: `city: is required; units: must be one of "c", "f"`.
 *
 * @example
 * ```ts
 * describeIssues([{ path: ['city'], message: 'is required' }]) // 'city: is required'
 * ```
 */
export function describeIssues(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(arguments)'}: ${i.message}`).join('; ');
}

/**
 * A zod schema that validates with ajv against `schema`, so a tool described by JSON Schema
 * (an MCP tool) fits {@link ToolDefinition.args} and is validated like every other tool.
 *
 * @example
 * ```ts
 * const args = jsonSchemaArgs({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] });
 * args.safeParse({}).error?.issues[0]?.path // ['q']
 * ```
 */
export function jsonSchemaArgs(schema: Record<string, unknown>): z.ZodMiniType<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).check(
    z.superRefine((value, ctx) => {
      const check = checkArguments(schema, value);
      if (!check.ok) for (const issue of check.issues) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    }),
  );
}
