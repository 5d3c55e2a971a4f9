/**
 * Who is calling (an {@link Identity}) and what each role may do (the permission matrix).
 *
 * Pure: no Node APIs, so the editor can use {@link can} to grey out what the user may not do.
 * The control plane enforces the same matrix with `requirePermission`
 * (functions/_shared/auth/authenticate.ts).
 *
 * @example
 * ```ts
 * const id: Identity = { tenantId: 'acme', userId: 'u-1', roles: ['runner'], via: 'jwt' };
 * can(id, 'execution:start'); // true
 * can(id, 'workflow:write');  // false
 * ```
 */

/**
 * Every role, most powerful first.
 * @example
 * ```ts
 * Roles.includes('editor') // true
 * ```
 */
export const Roles = ['owner', 'editor', 'runner', 'viewer'] as const;

/** A member's role within a tenant. */
export type Role = (typeof Roles)[number];

/**
 * Every action the control plane checks. `execution:control` covers stop, pause and resume;
 * `execution:answer` is answering a human-input request; `agent:write` covers register and delete.
 * @example
 * ```ts
 * Actions.includes('audit:read') // true
 * ```
 */
export const Actions = [
  'workflow:read',
  'workflow:write',
  'workflow:delete',
  'workflow:publish',
  'execution:start',
  'execution:read',
  'execution:control',
  'execution:answer',
  'agent:read',
  'agent:write',
  'apikey:manage',
  'audit:read',
] as const;

/** Something a caller may or may not be allowed to do. */
export type Action = (typeof Actions)[number];

/** An authenticated caller, scoped to exactly one tenant. */
export interface Identity {
  /** The tenant every request of this caller is confined to. */
  readonly tenantId: string;
  /** The user (the JWT `sub`), or `apikey:<keyId>` for an API key. */
  readonly userId: string;
  /** The caller's roles; permissions are the union of theirs. May be empty (then nothing is allowed). */
  readonly roles: readonly Role[];
  /** How the caller authenticated. */
  readonly via: 'jwt' | 'api_key';
  /** The API key's id, when `via` is `api_key`. */
  readonly keyId?: string;
}

const READS: readonly Action[] = ['workflow:read', 'execution:read', 'agent:read', 'audit:read'];

/**
 * The permission matrix: the actions each role may perform.
 *
 * | action              | owner | editor | runner | viewer |
 * |---------------------|:-----:|:------:|:------:|:------:|
 * | workflow:read       |   ✓   |   ✓    |   ✓    |   ✓    |
 * | workflow:write      |   ✓   |   ✓    |        |        |
 * | workflow:delete     |   ✓   |   ✓    |        |        |
 * | workflow:publish    |   ✓   |   ✓    |        |        |
 * | execution:start     |   ✓   |   ✓    |   ✓    |        |
 * | execution:read      |   ✓   |   ✓    |   ✓    |   ✓    |
 * | execution:control   |   ✓   |   ✓    |   ✓    |        |
 * | execution:answer    |   ✓   |   ✓    |   ✓    |        |
 * | agent:read          |   ✓   |   ✓    |   ✓    |   ✓    |
 * | agent:write         |   ✓   |   ✓    |        |        |
 * | apikey:manage       |   ✓   |        |        |        |
 * | audit:read          |   ✓   |   ✓    |   ✓    |   ✓    |
 *
 * Owner: everything. Editor: everything but managing API keys. Runner: every read, plus start,
 * control (stop/pause/resume) and answer executions. Viewer: reads only.
 *
 * @example
 * ```ts
 * Permissions.viewer.includes('workflow:write') // false
 * ```
 */
export const Permissions: Readonly<Record<Role, ReadonlySet<Action>>> = {
  owner: new Set(Actions),
  editor: new Set(Actions.filter((a) => a !== 'apikey:manage')),
  runner: new Set([...READS, 'execution:start', 'execution:control', 'execution:answer']),
  viewer: new Set(READS),
};

/**
 * Whether `value` is one of the {@link Roles}.
 * @example
 * ```ts
 * isRole('editor') // true
 * isRole('admin')  // false
 * ```
 */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (Roles as readonly string[]).includes(value);
}

/**
 * Whether `identity` may perform `action`: true when any of its roles allows it (see the matrix
 * on {@link Permissions}). An identity with no roles may do nothing.
 * @example
 * ```ts
 * can({ tenantId: 't', userId: 'u', roles: ['viewer'], via: 'jwt' }, 'workflow:read')  // true
 * can({ tenantId: 't', userId: 'u', roles: ['viewer'], via: 'jwt' }, 'workflow:write') // false
 * ```
 */
export function can(identity: Pick<Identity, 'roles'>, action: Action): boolean {
  return identity.roles.some((role) => Permissions[role]?.has(action) === true);
}
