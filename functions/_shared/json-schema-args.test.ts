import { checkArguments, describeIssues, jsonSchemaArgs } from './json-schema-args';

const schema = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 1 },
    units: { enum: ['c', 'f'] },
    tags: { type: 'array', items: { type: 'string' } },
    'a/b': { type: 'number' },
  },
  required: ['city'],
  additionalProperties: false,
};

describe('checkArguments', () => {
  it('accepts valid arguments', () => {
    expect(checkArguments(schema, { city: 'Lisbon', units: 'c', tags: ['x'] })).toEqual({ ok: true });
  });

  it('reports every issue with a field path', () => {
    const r = checkArguments(schema, { units: 'k', tags: ['x', 2], extra: true, 'a/b': 'n' });
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: ['city'], message: 'is required' },
        { path: ['extra'], message: 'is not an allowed property' },
        { path: ['units'], message: 'must be one of "c", "f"' },
        { path: ['tags', 1], message: 'must be string' },
        { path: ['a/b'], message: 'must be number' },
      ]),
    );
    expect(describeIssues(issues.filter((i) => i.path[0] === 'tags'))).toBe('tags.1: must be string');
  });

  it('reads draft-07, 2019-09, 2020-12 and undeclared dialects', () => {
    const base = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    for (const $schema of ['http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema', 'http://json-schema.org/draft-04/schema#', undefined]) {
      const s = $schema ? { $schema, ...base } : base;
      expect(checkArguments(s, { n: 1 })).toEqual({ ok: true });
      expect(checkArguments(s, { n: 1.5 })).toEqual({ ok: false, issues: [{ path: ['n'], message: 'must be integer' }] });
    }
  });

  it('checks formats', () => {
    expect(checkArguments({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }, { at: 'yesterday' })).toEqual({
      ok: false,
      issues: [{ path: ['at'], message: 'must match format "date-time"' }],
    });
  });

  it('reports a schema that cannot be compiled instead of throwing', () => {
    const r = checkArguments({ type: 'object', properties: { x: { type: 'no-such-type' } } }, {});
    expect(r.ok ? '' : describeIssues(r.issues)).toContain("(arguments): the tool's declared input schema is invalid");
  });
});

describe('jsonSchemaArgs', () => {
  it('is a zod schema whose issues carry the ajv paths', () => {
    const args = jsonSchemaArgs(schema);
    expect(args.safeParse({ city: 'Porto' }).success).toBe(true);
    expect(args.safeParse({ city: '' }).error?.issues.map((i) => [i.path, i.message])).toEqual([[['city'], 'must NOT have fewer than 1 characters']]);
    expect(args.safeParse('not an object').success).toBe(false);
  });
});
