import { Actions, can, isRole, Roles, type Action, type Identity, type Role } from '@shared/auth';

const who = (...roles: Role[]): Identity => ({ tenantId: 't-1', userId: 'u-1', roles, via: 'jwt' });

// The whole matrix, written out independently of the implementation: O = owner, E = editor,
// R = runner, V = viewer. A letter means allowed.
const MATRIX: ReadonlyArray<readonly [Action, string]> = [
  ['workflow:read', 'OERV'],
  ['workflow:write', 'OE'],
  ['workflow:delete', 'OE'],
  ['workflow:publish', 'OE'],
  ['execution:start', 'OER'],
  ['execution:read', 'OERV'],
  ['execution:control', 'OER'],
  ['execution:answer', 'OER'],
  ['agent:read', 'OERV'],
  ['agent:write', 'OE'],
  ['apikey:manage', 'O'],
  ['audit:read', 'OERV'],
];
const LETTER: Record<Role, string> = { owner: 'O', editor: 'E', runner: 'R', viewer: 'V' };

const cases = MATRIX.flatMap(([action, allowed]) =>
  Roles.map((role) => ({ role, action, expected: allowed.includes(LETTER[role]) })),
);

describe('permission matrix', () => {
  it('covers every action exactly once', () => {
    expect(MATRIX.map(([action]) => action).sort()).toEqual([...Actions].sort());
    expect(cases).toHaveLength(Actions.length * Roles.length);
  });

  it.each(cases)('$role -> $action: $expected', ({ role, action, expected }) => {
    expect(can(who(role), action)).toBe(expected);
  });

  it('grants the union of several roles', () => {
    expect(can(who('viewer'), 'execution:start')).toBe(false);
    expect(can(who('viewer', 'runner'), 'execution:start')).toBe(true);
    expect(can(who('runner', 'viewer'), 'workflow:write')).toBe(false);
  });

  it('allows nothing to an identity without roles', () => {
    for (const action of Actions) expect(can(who(), action)).toBe(false);
  });

  it('allows nothing for a role that is not in the matrix (stored data gone wrong)', () => {
    const bogus = { roles: ['admin'] } as unknown as Identity;
    expect(can(bogus, 'workflow:read')).toBe(false);
  });
});

describe('isRole', () => {
  it.each([
    ['owner', true],
    ['viewer', true],
    ['admin', false],
    ['Owner', false],
    [42, false],
    [undefined, false],
  ])('%p -> %p', (value, expected) => {
    expect(isRole(value)).toBe(expected);
  });
});
