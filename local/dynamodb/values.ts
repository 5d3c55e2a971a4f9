/**
 * DynamoDB attribute values as they travel in the JSON protocol (`{ "S": "x" }`, `{ "N": "1.5" }`,
 * binary as base64), with what the local DynamoDB needs to do with them: validate, compare,
 * order, measure and do exact decimal arithmetic (DynamoDB numbers have 38 significant digits;
 * JavaScript numbers would turn 0.1 + 0.2 into 0.30000000000000004).
 */

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;
export type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';

export const TYPE_NAMES: readonly TypeName[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

/** A request that DynamoDB refuses: the protocol error name and its message. */
export class DynamoError extends Error {
  constructor(
    readonly type: 'ValidationException' | 'ConditionalCheckFailedException' | 'ResourceNotFoundException' | 'ResourceInUseException' | 'UnknownOperationException' | 'SerializationException' | 'TransactionCanceledException',
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const invalid = (message: string): DynamoError => new DynamoError('ValidationException', message);

export function typeOf(value: AttributeValue): TypeName {
  for (const t of TYPE_NAMES) if (t in value) return t;
  throw invalid('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
}

// ---- numbers: sign, digits and a decimal exponent, exact

interface Decimal {
  readonly negative: boolean;
  /** No leading zeros; 0n for zero. */
  readonly digits: bigint;
  readonly exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseNumber(text: string): Decimal {
  const m = NUMBER.exec(text.trim());
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) throw invalid(`The parameter cannot be converted to a numeric value: ${text}`);
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  let digits = BigInt(`${whole}${fraction}` || '0');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === 0n) return { negative: false, digits: 0n, exponent: 0 };
  while (digits % 10n === 0n) {
    digits /= 10n;
    exponent += 1;
  }
  const significant = digits.toString().length;
  if (significant > 38) throw invalid(`Attempting to store more than 38 significant digits in a Number: ${text}`);
  const magnitude = significant + exponent;
  if (magnitude > 126) throw invalid(`Number overflow. Attempting to store a number with magnitude larger than supported range: ${text}`);
  if (magnitude < -129) throw invalid(`Number underflow. Attempting to store a number with magnitude smaller than supported range: ${text}`);
  return { negative: m[1] === '-', digits, exponent };
}

export function formatNumber(d: Decimal): string {
  if (d.digits === 0n) return '0';
  const s = d.digits.toString();
  let text: string;
  if (d.exponent >= 0) text = s + '0'.repeat(d.exponent);
  else if (-d.exponent < s.length) text = `${s.slice(0, s.length + d.exponent)}.${s.slice(s.length + d.exponent)}`;
  else text = `0.${'0'.repeat(-d.exponent - s.length)}${s}`;
  return d.negative ? `-${text}` : text;
}

export const canonicalNumber = (text: string): string => formatNumber(parseNumber(text));

function scaled(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const e = Math.min(a.exponent, b.exponent);
  const va = (a.negative ? -a.digits : a.digits) * 10n ** BigInt(a.exponent - e);
  const vb = (b.negative ? -b.digits : b.digits) * 10n ** BigInt(b.exponent - e);
  return [va, vb, e];
}

export function compareNumbers(a: string, b: string): number {
  const [va, vb] = scaled(parseNumber(a), parseNumber(b));
  return va < vb ? -1 : va > vb ? 1 : 0;
}

export function addNumbers(a: string, b: string, subtract = false): string {
  const [va, vb, e] = scaled(parseNumber(a), parseNumber(b));
  const sum = subtract ? va - vb : va + vb;
  return canonicalNumber(`${sum < 0n ? '-' : ''}${(sum < 0n ? -sum : sum).toString()}e${e}`);
}

// ---- strings and binaries order by their bytes (UTF-8 for strings)

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

export function compareStrings(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export const compareBinaries = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'base64'), Buffer.from(b, 'base64'));

/** Orders two scalar key values of one type (S, N or B); undefined when they cannot be ordered. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a && 'S' in b) return compareStrings(a.S, b.S);
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('B' in a && 'B' in b) return compareBinaries(a.B, b.B);
  return undefined;
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  switch (ta) {
    case 'S':
    case 'N':
    case 'B':
      return compareValues(a, b) === 0;
    case 'BOOL':
      return (a as { BOOL: boolean }).BOOL === (b as { BOOL: boolean }).BOOL;
    case 'NULL':
      return true;
    case 'L': {
      const la = (a as { L: AttributeValue[] }).L;
      const lb = (b as { L: AttributeValue[] }).L;
      return la.length === lb.length && la.every((v, i) => valuesEqual(v, lb[i] as AttributeValue));
    }
    case 'M': {
      const ma = (a as { M: Item }).M;
      const mb = (b as { M: Item }).M;
      const ka = Object.keys(ma);
      return ka.length === Object.keys(mb).length && ka.every((k) => k in mb && valuesEqual(ma[k] as AttributeValue, mb[k] as AttributeValue));
    }
    case 'SS':
    case 'NS':
    case 'BS': {
      const sa = setOf(a);
      const sb = setOf(b);
      return sa.size === sb.size && [...sa].every((x) => sb.has(x));
    }
  }
}

/** A set value's members in a canonical form, for membership tests. */
export function setOf(value: AttributeValue): Set<string> {
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(canonicalNumber));
  if ('BS' in value) return new Set(value.BS.map((b) => Buffer.from(b, 'base64').toString('base64')));
  return new Set();
}

// ---- validation of incoming values (and canonical numbers)

/** Checks a value from a request and returns it with canonical numbers. */
export function checkValue(value: unknown, where: string): AttributeValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${where}: an AttributeValue must be an object such as {"S": "text"}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw invalid(`${where}: Supplied AttributeValue has ${keys.length === 0 ? 'no datatype' : 'more than one datatype'}; it must contain exactly one of the supported datatypes`);
  const t = keys[0] as string;
  const v = (value as Record<string, unknown>)[t];
  switch (t) {
    case 'S':
      if (typeof v !== 'string') throw invalid(`${where}: S must be a string`);
      return { S: v };
    case 'N':
      if (typeof v !== 'string') throw invalid(`${where}: N must be a string of digits`);
      return { N: canonicalNumber(v) };
    case 'B':
      if (typeof v !== 'string') throw invalid(`${where}: B must be base64 text`);
      return { B: v };
    case 'BOOL':
      if (typeof v !== 'boolean') throw invalid(`${where}: BOOL must be true or false`);
      return { BOOL: v };
    case 'NULL':
      if (v !== true) throw invalid(`${where}: Null attribute value types must have the value of true`);
      return { NULL: true };
    case 'M': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${where}: M must be an object`);
      const out: Item = {};
      for (const [k, x] of Object.entries(v)) out[k] = checkValue(x, `${where}.${k}`);
      return { M: out };
    }
    case 'L':
      if (!Array.isArray(v)) throw invalid(`${where}: L must be an array`);
      return { L: v.map((x, i) => checkValue(x, `${where}[${i}]`)) };
    case 'SS':
    case 'NS':
    case 'BS': {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${where}: ${t} must be an array of strings`);
      if (v.length === 0) throw invalid(`${where}: One or more parameter values were invalid: An string set  may not be empty`);
      const members = t === 'NS' ? (v as string[]).map(canonicalNumber) : (v as string[]);
      const canonical = t === 'BS' ? members.map((b) => Buffer.from(b, 'base64').toString('base64')) : members;
      if (new Set(canonical).size !== canonical.length) throw invalid(`${where}: One or more parameter values were invalid: Input collection ${JSON.stringify(v)} contains duplicates.`);
      return { [t]: members } as AttributeValue;
    }
    default:
      throw invalid(`${where}: unknown datatype "${t}" (expected one of ${TYPE_NAMES.join(', ')})`);
  }
}

export function checkItem(value: unknown, where: string): Item {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${where} must be a map of attribute names to values`);
  const out: Item = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.length === 0) throw invalid(`${where}: an attribute name must not be empty`);
    out[k] = checkValue(v, `${where}.${k}`);
  }
  return out;
}

// ---- sizes (DynamoDB's item size: names plus values, in bytes)

export function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S);
  if ('N' in value) return Math.ceil(value.N.replace(/^-|\./g, '').length / 2) + 1;
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if ('NS' in value) return value.NS.reduce((n, s) => n + valueSize({ N: s }), 0);
  if ('BS' in value) return value.BS.reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
  if ('L' in value) return 3 + value.L.reduce((n, v) => n + 1 + valueSize(v), 0);
  return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueSize(v), 0);
}

export const itemSize = (item: Item): number => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0);

export const MAX_ITEM_BYTES = 400 * 1024;
