import { compilePattern, matchesPattern, MAX_PATTERN_DEPTH } from './pattern';

/** An event envelope in the shape EventBridge delivers; the rows below vary its `detail`. */
const base = {
  version: '0',
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  'detail-type': 'Node Execution Finished',
  source: 'stepflow.engine',
  account: '111122223333',
  time: '2024-03-05T10:20:30Z',
  region: 'eu-west-1',
  resources: ['arn:aws:states:eu-west-1:111122223333:execution:wf:run-1', 'arn:aws:s3:::stepflow-artifacts'],
  detail: {
    status: 'SUCCEEDED',
    nodeType: 'llm',
    fileName: 'Report.PNG',
    filePath: '/home/app/lib/node.js',
    tokens: 300,
    cost: 0.25,
    retries: 0,
    cached: false,
    model: null,
    note: '',
    sourceIp: '10.0.0.17',
    sourceIpv6: '2001:db8::42',
    tags: ['alpha', 'beta'],
    scores: [5, 12, 40],
    empty: [],
    owner: { team: 'platform', level: 2 },
    steps: [
      { name: 'plan', ok: true },
      { name: 'act', ok: false },
    ],
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
  },
};

type Row = [description: string, pattern: unknown, event: unknown, expected: boolean];

const d = (detail: Record<string, unknown>): Record<string, unknown> => ({ ...base, detail });

// prettier-ignore
const conformance: Row[] = [
  // --- exact matching, AND across fields, OR inside arrays
  ['exact source', { source: ['stepflow.engine'] }, base, true],
  ['exact source, other value', { source: ['aws.ec2'] }, base, false],
  ['exact match is case sensitive', { source: ['StepFlow.Engine'] }, base, false],
  ['OR inside a leaf array: one value matches', { source: ['aws.ec2', 'stepflow.engine'] }, base, true],
  ['OR inside a leaf array: no value matches', { source: ['aws.ec2', 'aws.s3'] }, base, false],
  ['AND across fields: all match', { source: ['stepflow.engine'], 'detail-type': ['Node Execution Finished'] }, base, true],
  ['AND across fields: one fails', { source: ['stepflow.engine'], 'detail-type': ['Something Else'] }, base, false],
  ['nested detail field', { detail: { status: ['SUCCEEDED'] } }, base, true],
  ['nested detail field, other value', { detail: { status: ['FAILED'] } }, base, false],
  ['deeper nesting', { detail: { owner: { team: ['platform'] } } }, base, true],
  ['deeper nesting, other value', { detail: { owner: { team: ['data'] } } }, base, false],
  ['pattern field absent from event', { detail: { missing: ['x'] } }, base, false],
  ['pattern nests below a leaf value', { detail: { status: { code: ['SUCCEEDED'] } } }, base, false],
  ['leaf pattern against an object field', { detail: { owner: ['platform'] } }, base, false],
  ['event fields not in the pattern are ignored', { region: ['eu-west-1'] }, base, true],
  ['number matches numerically', { detail: { tokens: [300] } }, base, true],
  ['number written differently still matches (3.0e2)', { detail: { tokens: [3.0e2] } }, base, true],
  ['number does not match its string form', { detail: { tokens: ['300'] } }, base, false],
  ['string does not match a number', { detail: { status: [1] } }, d({ status: '1' }), false],
  ['boolean false matches', { detail: { cached: [false] } }, base, true],
  ['boolean true does not match false', { detail: { cached: [true] } }, base, false],
  ['boolean does not match its string form', { detail: { cached: ['false'] } }, base, false],
  // --- null, empty string, missing
  ['null matches null', { detail: { model: [null] } }, base, true],
  ['null does not match empty string', { detail: { note: [null] } }, base, false],
  ['empty string matches empty string', { detail: { note: [''] } }, base, true],
  ['empty string does not match null', { detail: { model: [''] } }, base, false],
  ['null does not match a missing field', { detail: { missing: [null] } }, base, false],
  ['empty string does not match a missing field', { detail: { missing: [''] } }, base, false],
  // --- arrays in the event
  ['array field: any element matches', { detail: { tags: ['beta'] } }, base, true],
  ['array field: no element matches', { detail: { tags: ['gamma'] } }, base, false],
  ['resources array: one ARN matches', { resources: ['arn:aws:s3:::stepflow-artifacts'] }, base, true],
  ['array field vs pattern array: intersection is enough', { detail: { tags: ['zeta', 'alpha'] } }, base, true],
  ['empty array in event matches no value', { detail: { empty: ['alpha'] } }, base, false],
  ['nested arrays are flattened', { detail: { grid: [4] } }, d({ grid: [[1, 2], [3, 4]] }), true],
  ['array of objects: one element matches', { detail: { steps: { name: ['act'] } } }, base, true],
  ['array of objects: fields come from the same element', { detail: { steps: { name: ['act'], ok: [false] } } }, base, true],
  ['array of objects: fields from different elements do not pair', { detail: { steps: { name: ['act'], ok: [true] } } }, base, false],
  // --- prefix
  ['prefix matches', { time: [{ prefix: '2024-03-05' }] }, base, true],
  ['prefix does not match', { time: [{ prefix: '2023' }] }, base, false],
  ['prefix is case sensitive', { detail: { status: [{ prefix: 'succ' }] } }, base, false],
  ['prefix never matches a number', { detail: { tokens: [{ prefix: '3' }] } }, base, false],
  ['prefix on an array field', { detail: { tags: [{ prefix: 'be' }] } }, base, true],
  ['prefix equals-ignore-case matches', { detail: { status: [{ prefix: { 'equals-ignore-case': 'succ' } }] } }, base, true],
  ['prefix equals-ignore-case does not match', { detail: { status: [{ prefix: { 'equals-ignore-case': 'fail' } }] } }, base, false],
  // --- suffix
  ['suffix matches', { detail: { filePath: [{ suffix: '.js' }] } }, base, true],
  ['suffix is case sensitive', { detail: { fileName: [{ suffix: '.png' }] } }, base, false],
  ['suffix equals-ignore-case matches', { detail: { fileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, base, true],
  ['suffix equals-ignore-case does not match', { detail: { fileName: [{ suffix: { 'equals-ignore-case': '.jpg' } }] } }, base, false],
  // --- equals-ignore-case
  ['equals-ignore-case matches', { detail: { status: [{ 'equals-ignore-case': 'succeeded' }] } }, base, true],
  ['equals-ignore-case needs the whole value', { detail: { status: [{ 'equals-ignore-case': 'succeed' }] } }, base, false],
  ['equals-ignore-case never matches a number', { detail: { tokens: [{ 'equals-ignore-case': '300' }] } }, base, false],
  // --- anything-but
  ['anything-but string: other value matches', { detail: { status: [{ 'anything-but': 'FAILED' }] } }, base, true],
  ['anything-but string: same value does not match', { detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } }, base, false],
  ['anything-but number: other number matches', { detail: { tokens: [{ 'anything-but': 123 }] } }, base, true],
  ['anything-but number: same number does not match', { detail: { tokens: [{ 'anything-but': 300 }] } }, base, false],
  ['anything-but list: value outside the list matches', { detail: { status: [{ 'anything-but': ['FAILED', 'ABORTED'] }] } }, base, true],
  ['anything-but list: value in the list does not match', { detail: { status: [{ 'anything-but': ['FAILED', 'SUCCEEDED'] }] } }, base, false],
  ['anything-but numeric list', { detail: { tokens: [{ 'anything-but': [100, 300] }] } }, base, false],
  ['anything-but does not match a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, base, false],
  ['anything-but string vs a number value', { detail: { tokens: [{ 'anything-but': '300' }] } }, base, true],
  ['anything-but prefix: other prefix matches', { region: [{ 'anything-but': { prefix: 'us-' } }] }, base, true],
  ['anything-but prefix: excluded prefix does not match', { region: [{ 'anything-but': { prefix: 'eu-' } }] }, base, false],
  ['anything-but suffix: excluded suffix does not match', { detail: { filePath: [{ 'anything-but': { suffix: '.js' } }] } }, base, false],
  ['anything-but suffix: other suffix matches', { detail: { filePath: [{ 'anything-but': { suffix: '.ts' } }] } }, base, true],
  ['anything-but equals-ignore-case: excluded in any case', { detail: { status: [{ 'anything-but': { 'equals-ignore-case': 'succeeded' } }] } }, base, false],
  ['anything-but equals-ignore-case list: not excluded', { detail: { status: [{ 'anything-but': { 'equals-ignore-case': ['failed', 'aborted'] } }] } }, base, true],
  ['anything-but wildcard: excluded path', { detail: { filePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, base, false],
  ['anything-but wildcard: path outside', { detail: { filePath: [{ 'anything-but': { wildcard: '*/src/*' } }] } }, base, true],
  ['anything-but on an array field: some element is not excluded', { detail: { tags: [{ 'anything-but': 'alpha' }] } }, base, true],
  ['anything-but on an array field: every element excluded', { detail: { tags: [{ 'anything-but': ['alpha', 'beta'] }] } }, base, false],
  // --- numeric
  ['numeric =', { detail: { tokens: [{ numeric: ['=', 300] }] } }, base, true],
  ['numeric = other', { detail: { tokens: [{ numeric: ['=', 301] }] } }, base, false],
  ['numeric >', { detail: { 'c-count': [{ numeric: ['>', 0] }] } }, base, true],
  ['numeric > boundary is exclusive', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, base, false],
  ['numeric >= boundary is inclusive', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, base, true],
  ['numeric < boundary is exclusive', { detail: { 'd-count': [{ numeric: ['<', 3] }] } }, base, false],
  ['numeric <= boundary is inclusive', { detail: { 'd-count': [{ numeric: ['<=', 3] }] } }, base, true],
  ['numeric range: inside', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, base, true],
  ['numeric range: above', { detail: { 'x-limit': [{ numeric: ['>', 0, '<', 300] }] } }, base, false],
  ['numeric range with decimals', { detail: { 'x-limit': [{ numeric: ['>=', 301.5, '<', 302] }] } }, base, true],
  ['numeric zero', { detail: { retries: [{ numeric: ['=', 0] }] } }, base, true],
  ['numeric negative bound', { detail: { delta: [{ numeric: ['<', -1] }] } }, d({ delta: -2.5 }), true],
  ['numeric never matches a numeric string', { detail: { tokens: [{ numeric: ['>', 0] }] } }, d({ tokens: '300' }), false],
  ['numeric on an array field: one element in range', { detail: { scores: [{ numeric: ['>', 30] }] } }, base, true],
  ['numeric on an array field: none in range', { detail: { scores: [{ numeric: ['>', 40] }] } }, base, false],
  ['numeric missing field', { detail: { missing: [{ numeric: ['>', 0] }] } }, base, false],
  // --- exists
  ['exists true on a present field', { detail: { status: [{ exists: true }] } }, base, true],
  ['exists true on a missing field', { detail: { missing: [{ exists: true }] } }, base, false],
  ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, base, true],
  ['exists false on a present field', { detail: { status: [{ exists: false }] } }, base, false],
  ['exists true on a null value (null is a value)', { detail: { model: [{ exists: true }] } }, base, true],
  ['exists true on an empty string', { detail: { note: [{ exists: true }] } }, base, true],
  ['exists true on an array with values', { detail: { tags: [{ exists: true }] } }, base, true],
  ['exists false on an empty array (no leaf values)', { detail: { empty: [{ exists: false }] } }, base, true],
  ['exists true on an object (intermediate node) does not match', { detail: { owner: [{ exists: true }] } }, base, false],
  ['exists false on an object (intermediate node) matches', { detail: { owner: [{ exists: false }] } }, base, true],
  ['exists false when the parent object is missing', { detail: { nope: { inner: [{ exists: false }] } } }, base, true],
  ['exists false on a whole missing detail field', { detail: { status: [{ exists: false }] } }, { source: 'x' }, true],
  // --- wildcard
  ['wildcard in the middle', { detail: { filePath: [{ wildcard: '/home/*/node.js' }] } }, base, true],
  ['wildcard matches an empty run', { detail: { status: [{ wildcard: 'SUCCEEDED*' }] } }, base, true],
  ['wildcard with several stars', { resources: [{ wildcard: 'arn:aws:states:*:*:execution:*' }] }, base, true],
  ['wildcard does not match', { detail: { filePath: [{ wildcard: '*.ts' }] } }, base, false],
  ['wildcard is anchored at both ends', { detail: { status: [{ wildcard: 'SUCC*D' }] } }, d({ status: 'SUCCEEDED!' }), false],
  ['wildcard escaped star is literal: matches a star', { detail: { label: [{ wildcard: 'a\\*b' }] } }, d({ label: 'a*b' }), true],
  ['wildcard escaped star is literal: no expansion', { detail: { label: [{ wildcard: 'a\\*b' }] } }, d({ label: 'axxb' }), false],
  ['wildcard never matches a number', { detail: { tokens: [{ wildcard: '3*' }] } }, base, false],
  ['wildcard dot is literal', { detail: { fileName: [{ wildcard: 'Report?PNG' }] } }, base, false],
  // --- cidr
  ['cidr IPv4 inside', { detail: { sourceIp: [{ cidr: '10.0.0.0/24' }] } }, base, true],
  ['cidr IPv4 outside', { detail: { sourceIp: [{ cidr: '10.0.1.0/24' }] } }, base, false],
  ['cidr IPv4 /32 exact', { detail: { sourceIp: [{ cidr: '10.0.0.17/32' }] } }, base, true],
  ['cidr IPv6 inside', { detail: { sourceIpv6: [{ cidr: '2001:db8::/32' }] } }, base, true],
  ['cidr IPv6 outside', { detail: { sourceIpv6: [{ cidr: '2001:db9::/32' }] } }, base, false],
  ['cidr IPv4 block vs IPv6 address', { detail: { sourceIpv6: [{ cidr: '0.0.0.0/0' }] } }, base, false],
  ['cidr vs a non-IP string', { detail: { status: [{ cidr: '0.0.0.0/0' }] } }, base, false],
  // --- mixing operators in one leaf array (OR)
  ['mixed leaf array: exact or prefix', { detail: { status: ['FAILED', { prefix: 'SUC' }] } }, base, true],
  ['mixed leaf array: exists false or a value (present, other value)', { detail: { status: [{ exists: false }, 'FAILED'] } }, base, false],
  ['mixed leaf array: exists false or a value (absent)', { detail: { missing: [{ exists: false }, 'FAILED'] } }, base, true],
  ['operators combine across fields (AND)', { detail: { tokens: [{ numeric: ['>', 100] }], status: [{ 'anything-but': 'FAILED' }] } }, base, true],
  // --- $or
  ['$or: first branch matches', { detail: { $or: [{ status: ['SUCCEEDED'] }, { tokens: [1] }] } }, base, true],
  ['$or: second branch matches', { detail: { $or: [{ status: ['FAILED'] }, { tokens: [{ numeric: ['>', 200] }] }] } }, base, true],
  ['$or: no branch matches', { detail: { $or: [{ status: ['FAILED'] }, { tokens: [1] }] } }, base, false],
  ['$or at the top level', { $or: [{ source: ['aws.ec2'] }, { 'detail-type': ['Node Execution Finished'] }] }, base, true],
  ['$or ANDed with sibling fields: sibling fails', { source: ['aws.ec2'], $or: [{ region: ['eu-west-1'] }, { account: ['x'] }] }, base, false],
  ['$or branches with nested objects', { $or: [{ detail: { owner: { level: [2] } } }, { source: ['x'] }] }, base, true],
  ['nested $or inside an $or branch', { $or: [{ source: ['x'] }, { $or: [{ region: ['y'] }, { account: ['111122223333'] }] }] }, base, true],
  // --- whole-event edge cases
  ['event that is not an object', { source: ['x'] }, 'not an event', false],
  ['event that is null', { source: [{ exists: false }] }, null, true],
];

describe('compilePattern conformance (EventBridge documented semantics)', () => {
  it('has a table large enough to cover every operator', () => {
    expect(conformance.length).toBeGreaterThanOrEqual(80);
  });

  it.each(conformance)('%s', (_description, pattern, event, expected) => {
    const compiled = compilePattern(pattern);
    if (!compiled.ok) throw new Error(`pattern rejected: ${compiled.errors.join('; ')}`);
    expect(compiled.matcher(event)).toBe(expected);
  });
});

type BadRow = [description: string, pattern: unknown, messagePart: RegExp];

function nested(depth: number): Record<string, unknown> {
  let pattern: Record<string, unknown> = { leaf: ['x'] };
  for (let i = 1; i < depth; i++) pattern = { level: pattern };
  return pattern;
}

// prettier-ignore
const malformed: BadRow[] = [
  ['pattern is an array', [{ source: ['x'] }], /pattern: must be a JSON object/],
  ['pattern is a string that is not JSON', '{source:', /not valid JSON/],
  ['pattern is null', null, /must be a JSON object/],
  ['pattern is an empty object', {}, /pattern: an empty object/],
  ['nested empty object', { detail: {} }, /detail: an empty object/],
  ['leaf is a bare string', { source: 'aws.ec2' }, /source: match values must be inside an array/],
  ['leaf is a bare number', { detail: { n: 5 } }, /detail\.n: match values must be inside an array/],
  ['leaf is an empty array', { source: [] }, /source: empty arrays are not allowed/],
  ['nested array in a leaf', { source: [['x']] }, /source\[0\]: nested arrays/],
  ['unknown operator', { source: [{ contains: 'x' }] }, /source\[0\]: unrecognized operator "contains"/],
  ['operator object with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }, /exactly one key/],
  ['empty operator object', { source: [{}] }, /exactly one key, received none/],
  ['prefix not a string', { source: [{ prefix: 5 }] }, /source\[0\]\.prefix: must be a string/],
  ['prefix with an unknown nested operator', { source: [{ prefix: { wildcard: 'a*' } }] }, /equals-ignore-case/],
  ['suffix not a string', { source: [{ suffix: ['a'] }] }, /suffix: must be a string/],
  ['equals-ignore-case not a string', { source: [{ 'equals-ignore-case': 1 }] }, /equals-ignore-case: must be a string/],
  ['anything-but with mixed types', { n: [{ 'anything-but': ['a', 1] }] }, /only strings or only numbers/],
  ['anything-but with an empty list', { n: [{ 'anything-but': [] }] }, /must not be empty/],
  ['anything-but with null', { n: [{ 'anything-but': null }] }, /anything-but: must be a string, a number/],
  ['anything-but with an unknown nested operator', { n: [{ 'anything-but': { numeric: ['>', 1] } }] }, /unsupported operator "numeric" inside anything-but/],
  ['anything-but prefix not a string', { n: [{ 'anything-but': { prefix: 1 } }] }, /anything-but\.prefix: must be a string/],
  ['numeric with a bad operator', { n: [{ numeric: ['!=', 1] }] }, /unrecognized numeric operator/],
  ['numeric with a string value', { n: [{ numeric: ['>', '1'] }] }, /must be a number/],
  ['numeric not an array', { n: [{ numeric: 5 }] }, /numeric: must be \[operator, number\]/],
  ['numeric with an odd length', { n: [{ numeric: ['>', 1, '<'] }] }, /numeric: must be \[operator, number\]/],
  ['numeric with more than one range', { n: [{ numeric: ['>', 0, '<', 5, '>', 10, '<', 20] }] }, /numeric: must be/],
  ['numeric with bounds in the wrong order', { n: [{ numeric: ['<', 5, '>', 0] }] }, /lower bound .* then an upper bound/],
  ['numeric with two lower bounds', { n: [{ numeric: ['>', 0, '>=', 5] }] }, /lower bound .* then an upper bound/],
  ['numeric with an empty range', { n: [{ numeric: ['>', 5, '<', 5] }] }, /lower bound 5 must be below the upper bound 5/],
  ['numeric out of range', { n: [{ numeric: ['>', 6e9] }] }, /numbers must lie between/],
  ['exists not a boolean', { n: [{ exists: 'true' }] }, /n\[0\]\.exists: must be true or false/],
  ['cidr not a CIDR', { ip: [{ cidr: '10.0.0.1' }] }, /cidr: must be a CIDR block/],
  ['cidr with a bad prefix length', { ip: [{ cidr: '10.0.0.0/33' }] }, /must be a CIDR block/],
  ['cidr with a bad address', { ip: [{ cidr: '300.0.0.0/8' }] }, /must be a CIDR block/],
  ['wildcard not a string', { f: [{ wildcard: 1 }] }, /wildcard: must be a string/],
  ['wildcard with consecutive stars', { f: [{ wildcard: 'a**b' }] }, /consecutive wildcard/],
  ['wildcard with an invalid escape', { f: [{ wildcard: 'a\\b' }] }, /invalid escape/],
  ['$or not an array', { $or: { source: ['x'] } }, /\$or: must be an array of at least 2/],
  ['$or with one branch', { $or: [{ source: ['x'] }] }, /\$or: must be an array of at least 2/],
  ['$or with a non-object branch', { $or: [{ source: ['x'] }, ['y']] }, /\$or\[1\]: each \$or branch must be a pattern object/],
  ['$or branch with a malformed leaf', { $or: [{ source: ['x'] }, { region: 'y' }] }, /\$or\[1\]\.region: match values must be inside an array/],
  ['nesting too deep', nested(MAX_PATTERN_DEPTH + 1), /nesting is too deep/],
];

describe('compilePattern rejects malformed patterns', () => {
  it.each(malformed)('%s', (_description, pattern, messagePart) => {
    const compiled = compilePattern(pattern);
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.errors.join('\n')).toMatch(messagePart);
  });

  it('accepts nesting right at the limit', () => {
    expect(compilePattern(nested(MAX_PATTERN_DEPTH)).ok).toBe(true);
  });

  it('collects every problem, not just the first', () => {
    const compiled = compilePattern({ source: 'x', detail: { n: [{ exists: 1 }], m: [] } });
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.errors).toHaveLength(3);
  });
});

describe('compilePattern input forms', () => {
  it('accepts the JSON string PutRule takes', () => {
    const compiled = compilePattern('{"source":["stepflow.engine"],"detail":{"tokens":[{"numeric":[">",100]}]}}');
    expect(compiled.ok && compiled.matcher(base)).toBe(true);
  });

  it('matchesPattern tests one event and throws on a malformed pattern', () => {
    expect(matchesPattern({ region: [{ prefix: 'eu-' }] }, base)).toBe(true);
    expect(() => matchesPattern({ region: 'eu' }, base)).toThrow(/region: match values must be inside an array/);
  });
});
