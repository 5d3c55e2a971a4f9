import { executionArnFor, executionName, MAX_NAME_LENGTH, NAME_PATTERN, parseStateMachineArn, sameJson, stateMachineName } from './index';

describe('stateMachineName', () => {
  it('is readable, within the 80-character [A-Za-z0-9-_] rules, and deterministic', () => {
    const name = stateMachineName('acme', 'triage');
    expect(name).toMatch(/^stepflow-acme-triage-[0-9a-f]{12}$/);
    expect(stateMachineName('acme', 'triage')).toBe(name);
  });

  it.each([
    ['tenant with spaces/slashes', 'work flow: ünïcode ✓'],
    ['t'.repeat(200), 'w'.repeat(200)],
    ['///', '***'],
  ])('sanitizes and cuts %j / %j to the rules', (tenantId, workflowId) => {
    const name = stateMachineName(tenantId, workflowId);
    expect(name).toMatch(NAME_PATTERN);
    expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });

  it('keeps pairs apart that sanitize or cut to the same text', () => {
    const names = [
      stateMachineName('a/b', 'c'),
      stateMachineName('a-b', 'c'),
      stateMachineName('a', 'b-c'),
      stateMachineName('t'.repeat(100), 'x'),
      stateMachineName('t'.repeat(100), 'y'),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('rejects empty ids', () => {
    expect(() => stateMachineName('', 'w')).toThrow(expect.objectContaining({ name: 'ValidationError' }));
  });
});

describe('executionName', () => {
  it('maps the same key to the same valid name and different keys to different names', () => {
    const keys = ['order 42', 'order-42', 'order_42', '550e8400-e29b-41d4-a716-446655440000', 'k'.repeat(300), 'k'.repeat(301), '💥', '💥💥'];
    const names = keys.map(executionName);
    for (const name of names) {
      expect(name).toMatch(NAME_PATTERN);
      expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    }
    expect(keys.map(executionName)).toEqual(names);
    expect(new Set(names).size).toBe(keys.length);
    expect(executionName('order 42')).toMatch(/^order-42-[0-9a-f]{16}$/);
  });

  it('rejects an empty key', () => {
    expect(() => executionName('')).toThrow(expect.objectContaining({ name: 'ValidationError', status: 400 }));
  });
});

describe('ARNs and inputs', () => {
  const sm = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm';

  it('parses state machine and version ARNs and rejects others', () => {
    expect(parseStateMachineArn(sm)).toStrictEqual({ stateMachineArn: sm, name: 'sm' });
    expect(parseStateMachineArn(`${sm}:12`)).toStrictEqual({ stateMachineArn: sm, name: 'sm', version: 12 });
    for (const bad of ['sm', `${sm}:0`, `${sm}:prod`, 'arn:aws:states:eu-west-1:123456789012:execution:sm:run', 'arn:aws:lambda:eu-west-1:123456789012:function:f']) {
      expect(() => parseStateMachineArn(bad)).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    }
  });

  it('derives the execution ARN from the state machine or any of its versions', () => {
    expect(executionArnFor(sm, 'run-1')).toBe('arn:aws:states:eu-west-1:123456789012:execution:sm:run-1');
    expect(executionArnFor(`${sm}:4`, 'run-1')).toBe('arn:aws:states:eu-west-1:123456789012:execution:sm:run-1');
  });

  it('compares JSON ignoring key order but not array order or values', () => {
    expect(sameJson({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: '1' })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
});
