/**
 * The local platform's DynamoDB: an in-memory implementation of the DynamoDB JSON 1.0 protocol
 * (the operations and expressions Stepflow and its tools use), with an append-only journal for
 * persistence. Every request is handled synchronously, so each is atomic and strongly
 * consistent, as a single-writer local stand-in should be.
 *
 * Why not dynalite, which the unit tests still use as their reference server: a request through it
 * cost the local platform about 1.5 ms of CPU all told (the SDK, HTTP both ways, LevelDB encoding,
 * re-parsing every expression), and the platform makes three or four per event. Here the engine's
 * own work is about 25 µs, and threads of the platform reach it without HTTP (server.ts), for
 * about 0.5 ms a request, most of it the SDK (bench/dynamodb.ts). The conformance suite
 * (conformance.test.ts) runs the same requests against both and expects the same answers.
 *
 * Supported: CreateTable (global and local secondary indexes), DescribeTable, DeleteTable,
 * ListTables, Describe/UpdateTimeToLive (recorded, not enforced), GetItem, PutItem, UpdateItem,
 * DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem, TransactWriteItems and
 * TransactGetItems, with condition, filter, key-condition, update and projection expressions.
 * Not supported (a clear ValidationException): the legacy parameters (Expected, KeyConditions,
 * AttributesToGet, ...), PartiQL, streams, backups. Reserved words are not checked.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { applyUpdate, evaluate, parseCondition, parseProjection, parseUpdate, pathsOf, Placeholders, project, updatedPaths, type Condition, type Path } from './expressions';
import { checkItem, checkValue, compareValues, DynamoError, invalid, itemSize, MAX_ITEM_BYTES, typeOf, type AttributeValue, type Item } from './values';

type KeyType = 'S' | 'N' | 'B';
type Json = Record<string, unknown>;

interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

interface Projection {
  readonly ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly NonKeyAttributes?: string[];
}

interface IndexDefinition {
  readonly IndexName: string;
  readonly KeySchema: KeySchemaElement[];
  readonly Projection: Projection;
}

interface TableDefinition {
  readonly TableName: string;
  readonly KeySchema: KeySchemaElement[];
  readonly AttributeDefinitions: Array<{ AttributeName: string; AttributeType: KeyType }>;
  readonly BillingMode?: string;
  readonly ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  readonly GlobalSecondaryIndexes?: IndexDefinition[];
  readonly LocalSecondaryIndexes?: IndexDefinition[];
  readonly CreationDateTime: number;
}

/** One entry of an index's partition, ordered by its range value, then by the item's key. */
interface Entry {
  readonly range: AttributeValue | undefined;
  readonly key: string;
}

class Index {
  readonly partitions = new Map<string, Entry[]>();
  /** The partition keys in order, kept as partitions come and go: Scan's order. */
  readonly order: string[] = [];
  constructor(
    readonly name: string | undefined,
    readonly hash: string,
    readonly range: string | undefined,
    readonly projection: Projection,
  ) {}

  /** The index's partition and entry for an item, or none when the item lacks its key. */
  entryOf(item: Item, key: string): { partition: string; entry: Entry } | undefined {
    const h = item[this.hash];
    const r = this.range === undefined ? undefined : item[this.range];
    if (h === undefined || (this.range !== undefined && r === undefined)) return undefined;
    return { partition: scalarKey(h), entry: { range: r, key } };
  }

  add(item: Item, key: string): void {
    const e = this.entryOf(item, key);
    if (!e) return;
    let list = this.partitions.get(e.partition);
    if (!list) {
      this.partitions.set(e.partition, (list = []));
      this.order.splice(stringBound(this.order, e.partition), 0, e.partition);
    }
    list.splice(lowerBound(list, e.entry), 0, e.entry);
  }

  remove(item: Item, key: string): void {
    const e = this.entryOf(item, key);
    if (!e) return;
    const list = this.partitions.get(e.partition);
    if (!list) return;
    const i = lowerBound(list, e.entry);
    if (list[i]?.key === key) list.splice(i, 1);
    if (list.length === 0) {
      this.partitions.delete(e.partition);
      const at = stringBound(this.order, e.partition);
      if (this.order[at] === e.partition) this.order.splice(at, 1);
    }
  }
}

/** The first index of a sorted list of strings not below `s`. */
function stringBound(list: readonly string[], s: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as string) < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compareEntries(a: Entry, b: Entry): number {
  const byRange = a.range === undefined || b.range === undefined ? 0 : (compareValues(a.range, b.range) ?? 0);
  return byRange !== 0 ? byRange : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function lowerBound(list: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid] as Entry, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of a sorted list where `at` holds (it holds from there to the end). */
function firstIndex(list: readonly Entry[], at: (e: Entry) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(list[mid] as Entry)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The slice [lo, hi) of a partition a range-key condition can match (all of it without one). */
function rangeBounds(list: readonly Entry[], c: Condition | undefined): [number, number] {
  const n = list.length;
  if (!c) return [0, n];
  const atLeast = (v: AttributeValue) => firstIndex(list, (e) => (compareValues(e.range as AttributeValue, v) ?? 0) >= 0);
  const above = (v: AttributeValue) => firstIndex(list, (e) => (compareValues(e.range as AttributeValue, v) ?? 0) > 0);
  if (c.kind === 'between' && c.low.kind === 'value' && c.high.kind === 'value') return [atLeast(c.low.value), above(c.high.value)];
  if (c.kind === 'begins_with' && c.right.kind === 'value') {
    const from = atLeast(c.right.value);
    let to = from;
    while (to < n && evaluateBegins(list[to] as Entry, c.right.value)) to += 1;
    return [from, to];
  }
  if (c.kind === 'compare') {
    // The range key on the left: `value op key` reads as `key op' value`.
    const flipped = c.left.kind === 'value';
    const v = flipped ? c.left : c.right;
    if (v.kind !== 'value') return [0, n];
    const op = flipped ? ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>' } as const)[c.op] : c.op;
    switch (op) {
      case '=':
        return [atLeast(v.value), above(v.value)];
      case '<':
        return [0, atLeast(v.value)];
      case '<=':
        return [0, above(v.value)];
      case '>':
        return [above(v.value), n];
      case '>=':
        return [atLeast(v.value), n];
      default:
        return [0, n];
    }
  }
  return [0, n];
}

function evaluateBegins(e: Entry, prefix: AttributeValue): boolean {
  const r = e.range;
  if (r && 'S' in r && 'S' in prefix) return r.S.startsWith(prefix.S);
  if (r && 'B' in r && 'B' in prefix) return Buffer.from(r.B, 'base64').subarray(0, Buffer.from(prefix.B, 'base64').length).equals(Buffer.from(prefix.B, 'base64'));
  return false;
}

const scalarKey = (v: AttributeValue): string => `${typeOf(v)}:${(Object.values(v)[0] as string).toString()}`;

class Table {
  readonly items = new Map<string, Item>();
  readonly primary: Index;
  readonly indexes = new Map<string, Index>();
  readonly keyTypes = new Map<string, KeyType>();
  ttl: { AttributeName: string; Enabled: boolean } | undefined;

  constructor(readonly def: TableDefinition) {
    for (const a of def.AttributeDefinitions) this.keyTypes.set(a.AttributeName, a.AttributeType);
    const hash = (ks: KeySchemaElement[]) => (ks.find((k) => k.KeyType === 'HASH') as KeySchemaElement).AttributeName;
    const range = (ks: KeySchemaElement[]) => ks.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    this.primary = new Index(undefined, hash(def.KeySchema), range(def.KeySchema), { ProjectionType: 'ALL' });
    for (const i of [...(def.GlobalSecondaryIndexes ?? []), ...(def.LocalSecondaryIndexes ?? [])]) this.indexes.set(i.IndexName, new Index(i.IndexName, hash(i.KeySchema), range(i.KeySchema), i.Projection));
  }

  get keyNames(): string[] {
    return [this.primary.hash, ...(this.primary.range === undefined ? [] : [this.primary.range])];
  }

  /** Checks a Key parameter: exactly the key attributes, of their types. */
  checkKey(value: unknown, where = 'Key'): { key: string; item: Item } {
    const item = checkItem(value, where);
    const names = this.keyNames;
    if (Object.keys(item).length !== names.length || names.some((n) => !(n in item))) throw invalid('The provided key element does not match the schema');
    for (const n of names) this.checkKeyValue(n, item[n] as AttributeValue, 'key');
    return { key: this.keyOf(item), item };
  }

  checkKeyValue(name: string, v: AttributeValue, kind: 'key' | 'index key', indexName?: string): void {
    const t = this.keyTypes.get(name);
    if (typeOf(v) !== t) {
      throw invalid(kind === 'key' ? 'The provided key element does not match the schema' : `One or more parameter values were invalid: Type mismatch for Index Key ${name} Expected: ${t} Actual: ${typeOf(v)} IndexName: ${indexName}`);
    }
    if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
      throw invalid(kind === 'key' ? `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${typeOf(v) === 'S' ? 'string' : 'binary'} value. Key: ${name}` : `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${typeOf(v) === 'S' ? 'string' : 'binary'} value. IndexName: ${indexName}, IndexKey: ${name}`);
    }
  }

  keyOf(item: Item): string {
    return this.keyNames.map((n) => scalarKey(item[n] as AttributeValue)).join('\u0000');
  }

  /** Checks a whole item before it is stored. */
  checkItem(item: Item): void {
    for (const n of this.keyNames) {
      const v = item[n];
      if (v === undefined) throw invalid(`One or more parameter values were invalid: Missing the key ${n} in the item`);
      if (typeOf(v) !== this.keyTypes.get(n)) throw invalid(`One or more parameter values were invalid: Type mismatch for key ${n} expected: ${this.keyTypes.get(n)} actual: ${typeOf(v)}`);
      this.checkKeyValue(n, v, 'key');
    }
    for (const index of this.indexes.values()) {
      for (const n of [index.hash, ...(index.range === undefined ? [] : [index.range])]) {
        const v = item[n];
        if (v !== undefined) this.checkKeyValue(n, v, 'index key', index.name);
      }
    }
    if (itemSize(item) > MAX_ITEM_BYTES) throw invalid('Item size has exceeded the maximum allowed size');
  }

  put(item: Item): Item | undefined {
    const key = this.keyOf(item);
    const old = this.items.get(key);
    if (old) this.unindex(old, key);
    this.items.set(key, item);
    this.primary.add(item, key);
    for (const index of this.indexes.values()) index.add(item, key);
    return old;
  }

  delete(key: string): Item | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(old, key);
    this.items.delete(key);
    return old;
  }

  private unindex(item: Item, key: string): void {
    this.primary.remove(item, key);
    for (const index of this.indexes.values()) index.remove(item, key);
  }

  describe(region: string): Json {
    const d = this.def;
    const arn = `arn:aws:dynamodb:${region}:000000000000:table/${d.TableName}`;
    const size = [...this.items.values()].reduce((n, i) => n + itemSize(i), 0);
    const throughput = { ReadCapacityUnits: d.ProvisionedThroughput?.ReadCapacityUnits ?? 0, WriteCapacityUnits: d.ProvisionedThroughput?.WriteCapacityUnits ?? 0, NumberOfDecreasesToday: 0 };
    const index = (i: IndexDefinition, global: boolean) => {
      const data = this.indexes.get(i.IndexName) as Index;
      const count = [...data.partitions.values()].reduce((n, l) => n + l.length, 0);
      return { IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection, IndexSizeBytes: 0, ItemCount: count, IndexArn: `${arn}/index/${i.IndexName}`, ...(global ? { IndexStatus: 'ACTIVE', ProvisionedThroughput: throughput } : {}) };
    };
    return {
      TableName: d.TableName,
      TableStatus: 'ACTIVE',
      TableArn: arn,
      TableId: `local-${d.TableName}`,
      CreationDateTime: d.CreationDateTime,
      KeySchema: d.KeySchema,
      AttributeDefinitions: d.AttributeDefinitions,
      ItemCount: this.items.size,
      TableSizeBytes: size,
      ProvisionedThroughput: throughput,
      ...(d.BillingMode === 'PAY_PER_REQUEST' ? { BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: d.CreationDateTime } } : {}),
      ...(d.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: d.GlobalSecondaryIndexes.map((i) => index(i, true)) } : {}),
      ...(d.LocalSecondaryIndexes ? { LocalSecondaryIndexes: d.LocalSecondaryIndexes.map((i) => index(i, false)) } : {}),
    };
  }
}

/** What the journal records, one JSON object per line. */
type JournalRecord =
  | { op: 'create'; def: TableDefinition }
  | { op: 'drop'; table: string }
  | { op: 'put'; table: string; item: Item }
  | { op: 'del'; table: string; key: Item }
  | { op: 'ttl'; table: string; spec: { AttributeName: string; Enabled: boolean } }
  | { op: 'tx'; ops: JournalRecord[] };

const LEGACY = ['Expected', 'ConditionalOperator', 'AttributesToGet', 'KeyConditions', 'QueryFilter', 'ScanFilter', 'AttributeUpdates'];
const MAX_PAGE_BYTES = 1024 * 1024;

export interface LocalDynamoOptions {
  /** Where the tables persist (an append-only journal, compacted at open). In memory without it. */
  readonly journalFile?: string;
  /** The region in ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** Journal lines written after which it is compacted, if they outnumber the live ones 3 to 1. @default 100000 */
  readonly compactAfter?: number;
}

export class LocalDynamo {
  private readonly tables = new Map<string, Table>();
  private fd: number | undefined;
  /** Journal lines at the last compaction, and written since. */
  private liveLines = 0;
  private linesWritten = 0;
  private closed = false;

  private constructor(private readonly options: LocalDynamoOptions) {}

  /**
   * @example
   * ```ts
   * const db = await LocalDynamo.open({ journalFile: '.stepflow/dynamodb.jsonl' });
   * db.handle('DynamoDB_20120810.ListTables', '{}');
   * ```
   */
  static async open(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
    const db = new LocalDynamo(options);
    if (options.journalFile) db.replay(options.journalFile);
    return db;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** One request: `target` is the X-Amz-Target header, `body` the JSON text. Never throws. */
  handle(target: string, body: string): { status: number; body: string } {
    try {
      if (this.closed) throw invalid('the local DynamoDB is closed');
      const op = /^DynamoDB_20120810\.(\w+)$/.exec(target)?.[1];
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch {
        throw new DynamoError('SerializationException', 'Start of structure or map found where not expected / the request body is not valid JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new DynamoError('SerializationException', 'The request body must be a JSON object');
      const out = this.dispatch(op, input as Json, target);
      this.maybeCompact();
      return { status: 200, body: JSON.stringify(out) };
    } catch (err) {
      if (err instanceof DynamoError) {
        const ns = err.type === 'ValidationException' ? 'com.amazon.coral.validate' : err.type === 'SerializationException' ? 'com.amazon.coral.service' : err.type === 'UnknownOperationException' ? 'com.amazon.coral.service' : 'com.amazonaws.dynamodb.v20120810';
        return { status: 400, body: JSON.stringify({ __type: `${ns}#${err.type}`, message: err.message, ...err.extra }) };
      }
      return { status: 500, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: (err as Error).message }) };
    }
  }

  private dispatch(op: string | undefined, input: Json, target: string): Json {
    for (const legacy of LEGACY) if (legacy in input) throw invalid(`${legacy} is a legacy parameter the local DynamoDB does not support: use expressions (ConditionExpression, KeyConditionExpression, ProjectionExpression, ...)`);
    switch (op) {
      case 'CreateTable':
        return this.createTable(input);
      case 'DescribeTable':
        return { Table: this.table(input.TableName).describe(this.region) };
      case 'DeleteTable':
        return this.deleteTable(input);
      case 'ListTables':
        return this.listTables(input);
      case 'DescribeTimeToLive': {
        const t = this.table(input.TableName);
        return { TimeToLiveDescription: t.ttl ? { TimeToLiveStatus: t.ttl.Enabled ? 'ENABLED' : 'DISABLED', AttributeName: t.ttl.AttributeName } : { TimeToLiveStatus: 'DISABLED' } };
      }
      case 'UpdateTimeToLive': {
        const t = this.table(input.TableName);
        const spec = input.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
        if (!spec || typeof spec.AttributeName !== 'string' || typeof spec.Enabled !== 'boolean') throw invalid('TimeToLiveSpecification needs AttributeName and Enabled');
        const ttl = { AttributeName: spec.AttributeName, Enabled: spec.Enabled };
        this.log({ op: 'ttl', table: t.def.TableName, spec: ttl });
        t.ttl = ttl;
        return { TimeToLiveSpecification: t.ttl };
      }
      case 'GetItem':
        return this.getItem(input);
      case 'PutItem':
        return this.commit(this.putItem(input));
      case 'UpdateItem':
        return this.commit(this.updateItem(input));
      case 'DeleteItem':
        return this.commit(this.deleteItem(input));
      case 'Query':
        return this.query(input);
      case 'Scan':
        return this.scan(input);
      case 'BatchGetItem':
        return this.batchGet(input);
      case 'BatchWriteItem':
        return this.batchWrite(input);
      case 'TransactWriteItems':
        return this.transactWrite(input);
      case 'TransactGetItems':
        return this.transactGet(input);
      default:
        throw new DynamoError('UnknownOperationException', `${op ?? target} is not an operation the local DynamoDB supports`);
    }
  }

  private get region(): string {
    return this.options.region ?? 'us-east-1';
  }

  private table(name: unknown): Table {
    this.tableNameCheck(name);
    const t = this.tables.get(name as string);
    if (!t) throw new DynamoError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);
    return t;
  }

  // ---- tables

  private createTable(input: Json): Json {
    const name = input.TableName;
    this.tableNameCheck(name);
    if (this.tables.has(name as string)) throw new DynamoError('ResourceInUseException', `Table already exists: ${String(name)}`);
    const keySchema = this.keySchema(input.KeySchema, 'KeySchema');
    const defs = input.AttributeDefinitions;
    if (!Array.isArray(defs) || defs.length === 0) throw invalid('AttributeDefinitions must be a non-empty list');
    const attrs = defs.map((d: unknown) => {
      const x = (isObject(d) ? d : {}) as { AttributeName?: unknown; AttributeType?: unknown };
      if (typeof x.AttributeName !== 'string' || !['S', 'N', 'B'].includes(String(x.AttributeType))) throw invalid('Each attribute definition needs an AttributeName and an AttributeType of S, N or B');
      return { AttributeName: x.AttributeName, AttributeType: x.AttributeType as KeyType };
    });
    const indexes = (list: unknown, kind: string): IndexDefinition[] | undefined => {
      if (list === undefined) return undefined;
      if (!Array.isArray(list) || list.length === 0) throw invalid(`${kind} must be a non-empty list`);
      return list.map((i: unknown) => {
        const x = (isObject(i) ? i : {}) as { IndexName?: unknown; KeySchema?: unknown; Projection?: { ProjectionType?: unknown; NonKeyAttributes?: unknown } };
        if (typeof x.IndexName !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(x.IndexName)) throw invalid(`${kind}: every index needs an IndexName of 3 to 255 characters [a-zA-Z0-9_.-]`);
        const type = x.Projection?.ProjectionType;
        if (!['ALL', 'KEYS_ONLY', 'INCLUDE'].includes(String(type))) throw invalid(`${kind} ${x.IndexName}: Projection.ProjectionType must be ALL, KEYS_ONLY or INCLUDE`);
        const nonKey = x.Projection?.NonKeyAttributes;
        return {
          IndexName: x.IndexName,
          KeySchema: this.keySchema(x.KeySchema, `${kind} ${x.IndexName} KeySchema`),
          Projection: { ProjectionType: type as Projection['ProjectionType'], ...(Array.isArray(nonKey) ? { NonKeyAttributes: nonKey.map(String) } : {}) },
        };
      });
    };
    const gsis = indexes(input.GlobalSecondaryIndexes, 'GlobalSecondaryIndexes');
    const lsis = indexes(input.LocalSecondaryIndexes, 'LocalSecondaryIndexes');
    const used = new Set([...keySchema, ...(gsis ?? []).flatMap((g) => g.KeySchema), ...(lsis ?? []).flatMap((l) => l.KeySchema)].map((k) => k.AttributeName));
    const defined = new Set(attrs.map((a) => a.AttributeName));
    if (used.size !== defined.size || [...used].some((u) => !defined.has(u))) {
      throw invalid('One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions, or AttributeDefinitions has attributes no key schema uses');
    }
    for (const l of lsis ?? []) if (l.KeySchema[0]?.AttributeName !== keySchema[0]?.AttributeName) throw invalid(`LocalSecondaryIndex ${l.IndexName} must have the table's hash key`);
    const names = [...(gsis ?? []), ...(lsis ?? [])].map((i) => i.IndexName);
    if (new Set(names).size !== names.length) throw invalid('One or more parameter values were invalid: Duplicate index name');
    const billing = input.BillingMode === undefined ? 'PROVISIONED' : String(input.BillingMode);
    if (!['PROVISIONED', 'PAY_PER_REQUEST'].includes(billing)) throw invalid('BillingMode must be PROVISIONED or PAY_PER_REQUEST');
    const pt = (isObject(input.ProvisionedThroughput) ? input.ProvisionedThroughput : undefined) as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown } | undefined;
    if (billing === 'PROVISIONED' && (typeof pt?.ReadCapacityUnits !== 'number' || typeof pt.WriteCapacityUnits !== 'number')) throw invalid('One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
    const def: TableDefinition = {
      TableName: name as string,
      KeySchema: keySchema,
      AttributeDefinitions: attrs,
      BillingMode: billing,
      ...(billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: pt?.ReadCapacityUnits as number, WriteCapacityUnits: pt?.WriteCapacityUnits as number } } : {}),
      ...(gsis ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(lsis ? { LocalSecondaryIndexes: lsis } : {}),
      CreationDateTime: Date.now() / 1000,
    };
    const table = new Table(def);
    this.log({ op: 'create', def });
    this.tables.set(def.TableName, table);
    return { TableDescription: table.describe(this.region) };
  }

  private tableNameCheck(name: unknown): asserts name is string {
    if (typeof name !== 'string' || name.length < 3 || name.length > 255 || !/^[a-zA-Z0-9_.-]+$/.test(name)) {
      throw invalid(`1 validation error detected: Value '${String(name)}' at 'tableName' failed to satisfy constraint: Member must have length between 3 and 255 and match [a-zA-Z0-9_.-]+`);
    }
  }

  private keySchema(value: unknown, where: string): KeySchemaElement[] {
    if (!Array.isArray(value) || value.length < 1 || value.length > 2) throw invalid(`${where} must have one or two elements`);
    const ks = value.map((k: unknown) => {
      const x = (isObject(k) ? k : {}) as { AttributeName?: unknown; KeyType?: unknown };
      if (typeof x.AttributeName !== 'string' || !['HASH', 'RANGE'].includes(String(x.KeyType))) throw invalid(`${where}: each element needs an AttributeName and a KeyType of HASH or RANGE`);
      return { AttributeName: x.AttributeName, KeyType: x.KeyType as 'HASH' | 'RANGE' };
    });
    if (ks[0]?.KeyType !== 'HASH' || (ks[1] && ks[1].KeyType !== 'RANGE')) throw invalid(`${where}: Invalid KeySchema: The first KeySchemaElement is not a HASH key type, or the second is not a RANGE key type`);
    return ks;
  }

  private deleteTable(input: Json): Json {
    const t = this.table(input.TableName);
    const description = { ...t.describe(this.region), TableStatus: 'DELETING' };
    this.log({ op: 'drop', table: t.def.TableName });
    this.tables.delete(t.def.TableName);
    return { TableDescription: description };
  }

  private listTables(input: Json): Json {
    const limit = input.Limit === undefined ? 100 : Number(input.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('Limit must be between 1 and 100');
    const start = typeof input.ExclusiveStartTableName === 'string' ? input.ExclusiveStartTableName : undefined;
    const names = [...this.tables.keys()].sort().filter((n) => start === undefined || n > start);
    const page = names.slice(0, limit);
    return { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
  }

  // ---- items

  private placeholders(input: Json): Placeholders {
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    if (names !== undefined && (names === null || typeof names !== 'object' || Object.values(names).some((n) => typeof n !== 'string'))) throw invalid('ExpressionAttributeNames must map #names to attribute names');
    if (names !== undefined && Object.keys(names as object).length === 0) throw invalid('ExpressionAttributeNames must not be empty');
    if (values !== undefined && Object.keys((values as object | null) ?? {}).length === 0) throw invalid('ExpressionAttributeValues must not be empty');
    const checked = values === undefined ? undefined : Object.fromEntries(Object.entries(values as Json).map(([k, v]) => [k, checkValue(v, `ExpressionAttributeValues ${k}`)]));
    return new Placeholders(names as Record<string, string> | undefined, checked);
  }

  private condition(input: Json, ph: Placeholders, field = 'ConditionExpression'): Condition | undefined {
    const text = input[field];
    if (text === undefined) return undefined;
    if (typeof text !== 'string') throw invalid(`${field} must be a string`);
    return parseCondition(text, field, ph);
  }

  private projection(input: Json, ph: Placeholders): Path[] | undefined {
    const text = input.ProjectionExpression;
    if (text === undefined) return undefined;
    if (typeof text !== 'string') throw invalid('ProjectionExpression must be a string');
    return parseProjection(text, ph);
  }

  private checkFailed(old: Item | undefined, input: Json): never {
    throw new DynamoError('ConditionalCheckFailedException', 'The conditional request failed', input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {});
  }

  private returnValues(input: Json, allowed: string[]): string {
    const rv = input.ReturnValues === undefined ? 'NONE' : String(input.ReturnValues);
    if (!allowed.includes(rv)) throw invalid(`ReturnValues can only be ${allowed.join(' or ')} for this operation`);
    return rv;
  }

  private getItem(input: Json): Json {
    const t = this.table(input.TableName);
    const { key } = t.checkKey(input.Key);
    const ph = this.placeholders(input);
    const paths = this.projection(input, ph);
    ph.checkAllUsed();
    const item = t.items.get(key);
    return item ? { Item: paths ? project(item, paths) : item } : {};
  }

  /** A write, checked but not applied: `commit` applies it and writes the journal. */
  private putItem(input: Json): Pending {
    const t = this.table(input.TableName);
    const item = checkItem(input.Item, 'Item');
    t.checkItem(item);
    const ph = this.placeholders(input);
    const cond = this.condition(input, ph);
    ph.checkAllUsed();
    const rv = this.returnValues(input, ['NONE', 'ALL_OLD']);
    const key = t.keyOf(item);
    const old = t.items.get(key);
    if (cond && !evaluate(old ?? {}, cond)) this.checkFailed(old, input);
    return { table: t, put: item, response: rv === 'ALL_OLD' && old ? { Attributes: old } : {} };
  }

  private updateItem(input: Json): Pending {
    const t = this.table(input.TableName);
    const { key, item: keyItem } = t.checkKey(input.Key);
    const ph = this.placeholders(input);
    const text = input.UpdateExpression;
    if (text !== undefined && typeof text !== 'string') throw invalid('UpdateExpression must be a string');
    const update = text === undefined ? undefined : parseUpdate(text, ph);
    const cond = this.condition(input, ph);
    ph.checkAllUsed();
    const rv = this.returnValues(input, ['NONE', 'ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW']);
    const old = t.items.get(key);
    if (cond && !evaluate(old ?? {}, cond)) this.checkFailed(old, input);
    const { item, touched } = update ? applyUpdate(old ?? keyItem, update) : { item: old ?? keyItem, touched: new Set<string>() };
    for (const n of t.keyNames) if (touched.has(n)) throw invalid(`One or more parameter values were invalid: Cannot update attribute ${n}. This attribute is part of the key`);
    t.checkItem(item);
    // UPDATED_*: what the update wrote, down to the nested paths it named.
    const pick = (from: Item | undefined) => (from && update ? project(from, updatedPaths(update)) : {});
    const attributes = rv === 'ALL_OLD' ? old : rv === 'ALL_NEW' ? item : rv === 'UPDATED_OLD' ? pick(old) : rv === 'UPDATED_NEW' ? pick(item) : undefined;
    return { table: t, put: item, response: attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {} };
  }

  private deleteItem(input: Json): Pending {
    const t = this.table(input.TableName);
    const { key, item: keyItem } = t.checkKey(input.Key);
    const ph = this.placeholders(input);
    const cond = this.condition(input, ph);
    ph.checkAllUsed();
    const rv = this.returnValues(input, ['NONE', 'ALL_OLD']);
    const old = t.items.get(key);
    if (cond && !evaluate(old ?? {}, cond)) this.checkFailed(old, input);
    return { table: t, del: keyItem, response: rv === 'ALL_OLD' && old ? { Attributes: old } : {} };
  }

  private commit(p: Pending): Json {
    this.apply([p]);
    return p.response;
  }

  /**
   * Records checked writes in the journal (as one line), then applies them: a write the journal
   * could not take (a full disk) fails whole and changes nothing.
   */
  private apply(writes: readonly Pending[]): void {
    const records: JournalRecord[] = writes.flatMap((w): JournalRecord[] => (w.put ? [{ op: 'put', table: w.table.def.TableName, item: w.put }] : w.del ? [{ op: 'del', table: w.table.def.TableName, key: w.del }] : []));
    if (records.length === 1) this.log(records[0] as JournalRecord);
    else if (records.length > 1) this.log({ op: 'tx', ops: records });
    for (const w of writes) {
      if (w.put) w.table.put(w.put);
      else if (w.del) w.table.delete(w.table.keyOf(w.del));
    }
  }

  // ---- reads of many

  private query(input: Json): Json {
    const t = this.table(input.TableName);
    const index = this.indexOf(t, input);
    const ph = this.placeholders(input);
    const keyText = input.KeyConditionExpression;
    if (typeof keyText !== 'string') throw invalid('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    const keyCond = parseCondition(keyText, 'KeyConditionExpression', ph);
    const { hash, range } = this.splitKeyCondition(keyCond, index, t);
    const filter = this.condition(input, ph, 'FilterExpression');
    const keyNames = [index.hash, ...(index.range === undefined ? [] : [index.range])];
    const inFilter = filter ? pathsOf(filter).map((p) => p[0] as string).find((n) => keyNames.includes(n)) : undefined;
    if (inFilter !== undefined) throw invalid(`Filter Expression can only contain non-primary key attributes: Primary key attribute: ${inFilter}`);
    const paths = this.projection(input, ph);
    ph.checkAllUsed();
    const entries = index.partitions.get(scalarKey(hash)) ?? [];
    if (input.ExclusiveStartKey !== undefined) {
      const esk = checkItem(input.ExclusiveStartKey, 'ExclusiveStartKey');
      const eskHash = esk[index.hash];
      if (!eskHash || scalarKey(eskHash) !== scalarKey(hash) || (range && !evaluate(esk, range))) throw invalid('The provided starting key is outside query boundaries based on provided conditions');
    }
    const forward = input.ScanIndexForward !== false;
    const start = this.startEntry(t, index, input.ExclusiveStartKey);
    // The entries the range condition can match, found by binary search in the sorted partition,
    // then narrowed to those after the start key: a page costs what it reads, not the partition.
    let [lo, hi] = rangeBounds(entries, range);
    if (start) {
      if (forward) lo = Math.max(lo, firstIndex(entries, (e) => compareEntries(e, start) > 0));
      else hi = Math.min(hi, firstIndex(entries, (e) => compareEntries(e, start) >= 0));
    }
    function* candidates(): Generator<Entry> {
      for (let i = forward ? lo : hi - 1; forward ? i < hi : i >= lo; i += forward ? 1 : -1) {
        const e = entries[i] as Entry;
        if (range === undefined || evaluate(t.items.get(e.key) as Item, range)) yield e;
      }
    }
    return this.page(t, index, candidates(), input, filter, paths);
  }

  private scan(input: Json): Json {
    const t = this.table(input.TableName);
    const index = this.indexOf(t, input);
    const ph = this.placeholders(input);
    const filter = this.condition(input, ph, 'FilterExpression');
    const paths = this.projection(input, ph);
    ph.checkAllUsed();
    const segment = input.Segment === undefined ? 0 : Number(input.Segment);
    const total = input.TotalSegments === undefined ? 1 : Number(input.TotalSegments);
    if (!Number.isInteger(total) || total < 1 || total > 1_000_000 || !Number.isInteger(segment) || segment < 0 || segment >= total) throw invalid('Segment must be at least 0 and less than TotalSegments (1 to 1000000)');
    const start = this.startEntry(t, index, input.ExclusiveStartKey);
    // Partitions in key order from the start key's, read lazily: a page costs what it reads.
    function* candidates(): Generator<Entry> {
      for (let i = start ? stringBound(index.order, start.partition) : 0; i < index.order.length; i++) {
        const p = index.order[i] as string;
        if (total > 1 && hashOf(p) % total !== segment) continue;
        const entries = index.partitions.get(p) as Entry[];
        const from = start && p === start.partition ? firstIndex(entries, (e) => compareEntries(e, start) > 0) : 0;
        for (let j = from; j < entries.length; j++) yield entries[j] as Entry;
      }
    }
    return this.page(t, index, candidates(), input, filter, paths);
  }

  /** Reads candidates in order up to Limit and 1 MB, then filters and projects. */
  private page(t: Table, index: Index, candidates: Iterable<Entry>, input: Json, filter: Condition | undefined, paths: Path[] | undefined): Json {
    const limit = input.Limit === undefined ? Infinity : Number(input.Limit);
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) throw invalid("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    const select = input.Select === undefined ? (paths ? 'SPECIFIC_ATTRIBUTES' : index.name ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES') : String(input.Select);
    if (!['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'].includes(select)) throw invalid('Select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES or COUNT');
    if (select === 'SPECIFIC_ATTRIBUTES' && !paths) throw invalid('Select SPECIFIC_ATTRIBUTES needs a ProjectionExpression');
    if (paths && select !== 'SPECIFIC_ATTRIBUTES') throw invalid('Cannot specify the ProjectionExpression parameter with a Select other than SPECIFIC_ATTRIBUTES');
    if (select === 'ALL_PROJECTED_ATTRIBUTES' && !index.name) throw invalid('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
    const items: Item[] = [];
    let scanned = 0;
    let bytes = 0;
    let last: Entry | undefined;
    const it = candidates[Symbol.iterator]();
    let stopped = false;
    for (;;) {
      if (scanned >= limit) {
        // Stopped by Limit: DynamoDB gives the last key even when nothing follows.
        stopped = scanned > 0;
        break;
      }
      const next = it.next();
      if (next.done) break;
      if (bytes > MAX_PAGE_BYTES) {
        // Stopped by the 1 MB page size, with more to read.
        stopped = true;
        break;
      }
      const e = next.value;
      const visible = this.projected(t, index, t.items.get(e.key) as Item);
      scanned += 1;
      bytes += itemSize(visible);
      last = e;
      if (filter && !evaluate(visible, filter)) continue;
      items.push(visible);
    }
    const lastKey = stopped && last ? this.lastEvaluatedKey(t, index, t.items.get(last.key) as Item) : undefined;
    return {
      ...(select === 'COUNT' ? {} : { Items: items.map((i) => (paths ? project(i, paths) : i)) }),
      Count: items.length,
      ScannedCount: scanned,
      ...(lastKey ? { LastEvaluatedKey: lastKey } : {}),
    };
  }

  private projected(t: Table, index: Index, item: Item): Item {
    if (index.projection.ProjectionType === 'ALL') return item;
    const keep = new Set([...t.keyNames, index.hash, ...(index.range === undefined ? [] : [index.range]), ...(index.projection.NonKeyAttributes ?? [])]);
    return Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
  }

  private lastEvaluatedKey(t: Table, index: Index, item: Item): Item {
    const names = new Set([...t.keyNames, index.hash, ...(index.range === undefined ? [] : [index.range])]);
    return Object.fromEntries([...names].map((n) => [n, item[n] as AttributeValue]));
  }

  private indexOf(t: Table, input: Json): Index {
    if (input.IndexName === undefined) return t.primary;
    const index = t.indexes.get(String(input.IndexName));
    if (!index) throw invalid(`The table does not have the specified index: ${String(input.IndexName)}`);
    const global = (t.def.GlobalSecondaryIndexes ?? []).some((g) => g.IndexName === input.IndexName);
    if (global && input.ConsistentRead === true) throw invalid('Consistent reads are not supported on global secondary indexes');
    return index;
  }

  /** The entry an ExclusiveStartKey names (the item need not exist any more). */
  private startEntry(t: Table, index: Index, esk: unknown): (Entry & { partition: string }) | undefined {
    if (esk === undefined) return undefined;
    const item = checkItem(esk, 'ExclusiveStartKey');
    const names = [...new Set([...t.keyNames, index.hash, ...(index.range === undefined ? [] : [index.range])])];
    if (Object.keys(item).length !== names.length || names.some((n) => !(n in item))) throw invalid('The provided starting key is invalid: The provided key element does not match the schema');
    return { range: index.range === undefined ? undefined : item[index.range], key: t.keyOf(item), partition: scalarKey(item[index.hash] as AttributeValue) };
  }

  /** A key condition: the hash key equal to a value, and at most one condition on the range key. */
  private splitKeyCondition(c: Condition, index: Index, t: Table): { hash: AttributeValue; range: Condition | undefined } {
    const parts = c.kind === 'and' ? [c.left, c.right] : [c];
    let hash: AttributeValue | undefined;
    let range: Condition | undefined;
    const pathName = (o: { kind: string; path?: Path }) => (o.kind === 'path' && o.path?.length === 1 ? (o.path[0] as string) : undefined);
    for (const p of parts) {
      if (p.kind === 'compare' && p.op === '=' && pathName(p.left) === index.hash && p.right.kind === 'value') hash = p.right.value;
      else if (p.kind === 'compare' && p.op === '=' && pathName(p.right) === index.hash && p.left.kind === 'value') hash = p.left.value;
      else if (index.range !== undefined && ((p.kind === 'compare' && p.op !== '<>' && (pathName(p.left) === index.range || pathName(p.right) === index.range)) || (p.kind === 'between' && pathName(p.operand) === index.range) || (p.kind === 'begins_with' && pathName(p.left) === index.range)) && range === undefined) range = p;
      else throw invalid(`Query key condition not supported: the condition must be an equality on the hash key (${index.hash})${index.range ? ` and at most one condition (=, <, <=, >, >=, BETWEEN, begins_with) on the range key (${index.range})` : ''}`);
    }
    if (hash === undefined) throw invalid(`Query condition missed key schema element: ${index.hash}`);
    const mismatch = () => invalid('One or more parameter values were invalid: Condition parameter type does not match schema type');
    if (typeOf(hash) !== t.keyTypes.get(index.hash)) throw mismatch();
    if (range && index.range !== undefined) {
      const rangeType = t.keyTypes.get(index.range);
      const operands = range.kind === 'between' ? [range.low, range.high] : range.kind === 'compare' || range.kind === 'begins_with' ? [range.left, range.right] : [];
      for (const o of operands) if (o.kind === 'value' && typeOf(o.value) !== rangeType) throw mismatch();
      if (range.kind === 'begins_with' && rangeType === 'N') throw invalid('Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
    }
    return { hash, range };
  }

  // ---- batches and transactions

  private batchGet(input: Json): Json {
    const request = input.RequestItems as Record<string, Json> | undefined;
    if (!request || typeof request !== 'object' || Object.keys(request).length === 0) throw invalid('RequestItems must name at least one table');
    const total = Object.values(request).reduce((n, r) => n + (isObject(r) && Array.isArray(r.Keys) ? r.Keys.length : 0), 0);
    if (total > 100) throw invalid('Too many items requested for the BatchGetItem call');
    const responses: Record<string, Item[]> = {};
    for (const [name, r] of Object.entries(request)) {
      const t = this.table(name);
      if (!isObject(r) || !Array.isArray(r.Keys) || r.Keys.length === 0) throw invalid(`RequestItems ${name}: Keys must be a non-empty list`);
      const ph = this.placeholders(r);
      const paths = this.projection(r, ph);
      ph.checkAllUsed();
      const keys = r.Keys.map((k: unknown) => t.checkKey(k).key);
      if (new Set(keys).size !== keys.length) throw invalid('Provided list of item keys contains duplicates');
      responses[name] = keys.flatMap((k) => {
        const item = t.items.get(k);
        return item ? [paths ? project(item, paths) : item] : [];
      });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private batchWrite(input: Json): Json {
    const request = input.RequestItems as Record<string, unknown[]> | undefined;
    if (!request || typeof request !== 'object' || Object.keys(request).length === 0) throw invalid('RequestItems must name at least one table');
    const writes: Pending[] = [];
    for (const [name, list] of Object.entries(request)) {
      const t = this.table(name);
      if (!Array.isArray(list) || list.length === 0) throw invalid(`RequestItems ${name} must be a non-empty list of PutRequest or DeleteRequest`);
      const seen = new Set<string>();
      for (const w of list as Array<{ PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }>) {
        if (!isObject(w)) throw invalid('Each write request must have exactly one of PutRequest and DeleteRequest');
        let pending: Pending;
        if (w.PutRequest && !w.DeleteRequest) {
          const item = checkItem(w.PutRequest.Item, 'PutRequest.Item');
          t.checkItem(item);
          pending = { table: t, put: item, response: {} };
        } else if (w.DeleteRequest && !w.PutRequest) pending = { table: t, del: t.checkKey(w.DeleteRequest.Key, 'DeleteRequest.Key').item, response: {} };
        else throw invalid('Each write request must have exactly one of PutRequest and DeleteRequest');
        const key = t.keyOf((pending.put ?? pending.del) as Item);
        if (seen.has(key)) throw invalid('Provided list of item keys contains duplicates');
        seen.add(key);
        writes.push(pending);
      }
    }
    if (writes.length > 25) throw invalid("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: Member must have length less than or equal to 25");
    this.apply(writes);
    return { UnprocessedItems: {} };
  }

  private transactWrite(input: Json): Json {
    const list = input.TransactItems;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100) throw invalid('TransactItems must have between 1 and 100 items');
    const keys = new Set<string>();
    const reasons: Array<{ Code: string; Message?: string; Item?: Item }> = [];
    const writes: Pending[] = [];
    let failed = false;
    for (const entry of list as Json[]) {
      if (!isObject(entry)) throw invalid('Each TransactItem must be an object with one of Put, Update, Delete and ConditionCheck');
      const kinds = ['Put', 'Update', 'Delete', 'ConditionCheck'].filter((k) => k in entry);
      if (kinds.length !== 1) throw invalid('Each TransactItem must have exactly one of Put, Update, Delete and ConditionCheck');
      const kind = kinds[0] as string;
      const body = entry[kind] as Json;
      if (!isObject(body)) throw invalid(`TransactItems: ${kind} must be an object`);
      const t = this.table(body.TableName);
      const keyItem = kind === 'Put' ? checkItem(body.Item, 'Item') : t.checkKey(body.Key).item;
      const key = `${t.def.TableName}\u0001${t.keyOf(keyItem)}`;
      if (keys.has(key)) throw invalid('Transaction request cannot include multiple operations on one item');
      keys.add(key);
      try {
        if (kind === 'Put') writes.push(this.putItem(body));
        else if (kind === 'Update') writes.push(this.updateItem(body));
        else if (kind === 'Delete') writes.push(this.deleteItem(body));
        else {
          const ph = this.placeholders(body);
          const cond = this.condition(body, ph);
          if (!cond) throw invalid('ConditionCheck needs a ConditionExpression');
          ph.checkAllUsed();
          const old = t.items.get(t.keyOf(keyItem));
          if (!evaluate(old ?? {}, cond)) this.checkFailed(old, body);
        }
        reasons.push({ Code: 'None' });
      } catch (err) {
        if (!(err instanceof DynamoError) || err.type !== 'ConditionalCheckFailedException') throw err;
        failed = true;
        reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(err.extra.Item ? { Item: err.extra.Item as Item } : {}) });
      }
    }
    if (failed) throw new DynamoError('TransactionCanceledException', `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, { CancellationReasons: reasons });
    this.apply(writes);
    return {};
  }

  private transactGet(input: Json): Json {
    const list = input.TransactItems;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100) throw invalid('TransactItems must have between 1 and 100 items');
    return { Responses: (list as Array<{ Get?: Json }>).map((x) => {
      if (!isObject(x) || !isObject(x.Get)) throw invalid('Each TransactGetItem must be an object with Get');
      const r = this.getItem(x.Get);
      return r.Item ? { Item: r.Item } : {};
    }) };
  }

  // ---- the journal

  private replay(file: string): void {
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch {
          // Only the last line can be torn (the process stopped while writing it).
          if (i >= lines.length - 2) return;
          throw new Error(`${file}: line ${i + 1} is not valid JSON; the journal is damaged (move it aside to start empty)`);
        }
        this.replayRecord(record);
      });
    }
    this.compact(file);
  }

  /**
   * Rewrites the journal as one line per table and item (at open, and while running once it
   * has grown to several times that), through a temporary file renamed over it.
   */
  private compact(file: string): void {
    const snapshot: string[] = [];
    for (const t of this.tables.values()) {
      snapshot.push(JSON.stringify({ op: 'create', def: t.def } satisfies JournalRecord));
      if (t.ttl) snapshot.push(JSON.stringify({ op: 'ttl', table: t.def.TableName, spec: t.ttl } satisfies JournalRecord));
      for (const item of t.items.values()) snapshot.push(JSON.stringify({ op: 'put', table: t.def.TableName, item } satisfies JournalRecord));
    }
    // Written aside first: if that fails (a full disk) the journal is as it was and stays open.
    writeFileSync(`${file}.tmp`, snapshot.length > 0 ? `${snapshot.join('\n')}\n` : '');
    if (this.fd !== undefined) closeSync(this.fd);
    try {
      renameSync(`${file}.tmp`, file);
      this.liveLines = snapshot.length;
      this.linesWritten = 0;
    } finally {
      this.fd = openSync(file, 'a');
    }
  }

  private replayRecord(r: JournalRecord): void {
    switch (r.op) {
      case 'create':
        this.tables.set(r.def.TableName, new Table(r.def));
        return;
      case 'drop':
        this.tables.delete(r.table);
        return;
      case 'put':
        this.tables.get(r.table)?.put(r.item);
        return;
      case 'del': {
        const t = this.tables.get(r.table);
        t?.delete(t.keyOf(r.key));
        return;
      }
      case 'ttl': {
        const t = this.tables.get(r.table);
        if (t) t.ttl = r.spec;
        return;
      }
      case 'tx':
        r.ops.forEach((op) => this.replayRecord(op));
        return;
    }
  }

  private log(record: JournalRecord): void {
    if (this.fd === undefined || !this.options.journalFile) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.linesWritten += 1;
  }

  /**
   * Updates rewrite whole items: the journal is compacted once it is mostly superseded lines.
   * Only between requests, when the tables hold everything the journal does.
   */
  private maybeCompact(): void {
    if (!this.options.journalFile || this.linesWritten < (this.options.compactAfter ?? 100_000) || this.linesWritten <= 3 * this.liveLines) return;
    try {
      this.compact(this.options.journalFile);
    } catch {
      // The request succeeded and the journal holds it; compaction is tried again after the next.
    }
  }
}

interface Pending {
  readonly table: Table;
  readonly put?: Item;
  readonly del?: Item;
  readonly response: Json;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A stable small hash of a partition key, for Scan segments. */
function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
