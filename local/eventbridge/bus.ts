/**
 * An in-process stand-in for one EventBridge event bus: rules with event patterns, PutEvents
 * with per-entry validation, and asynchronous delivery of the event envelope to rule targets.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '@shared/errors';
import { compilePattern, type EventMatcher } from './pattern';

/** PutEvents accepts at most this many entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents rejects an entry larger than this (UTF-8 bytes, computed as EventBridge does). */
export const MAX_ENTRY_BYTES = 256 * 1024;

/** The envelope EventBridge delivers to targets. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

/** A rule target: any async function. A rejection counts as a failed delivery. */
export type EventTarget = (event: EventBridgeEvent) => Promise<void>;

/** A rule as {@link LocalEventBus.putRule} takes it. */
export interface RuleInput {
  readonly name: string;
  /** The event pattern, as an object or as the JSON string PutRule takes. */
  readonly pattern: unknown;
  readonly targets: readonly EventTarget[];
}

/** One PutEvents entry, in the SDK's shape. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  /** A JSON object, as a string. */
  readonly Detail?: string;
  readonly EventBusName?: string;
  /** A `Date`, an ISO-8601 string, or epoch seconds (the JSON 1.1 wire form). */
  readonly Time?: Date | string | number;
  readonly Resources?: readonly string[];
}

/** The per-entry result of PutEvents. */
export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The result of PutEvents: check `FailedEntryCount`, entries fail one by one. */
export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** A delivery that failed on every attempt. */
export interface DeliveryFailure {
  readonly ruleName: string;
  readonly targetIndex: number;
  readonly event: EventBridgeEvent;
  readonly attempts: number;
  readonly error: unknown;
}

/** Options of {@link LocalEventBus}. */
export interface LocalEventBusOptions {
  /** @default 'default' — entries naming another bus (by name or ARN) fail. */
  readonly name?: string;
  /** @default '000000000000' */
  readonly account?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Attempts per target, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** Backoff before retry n is `baseDelayMs * 2^(n-1)`. @default 100 */
  readonly baseDelayMs?: number;
  /** Called once per target that failed every attempt. Never breaks other deliveries. */
  readonly onDeliveryFailure?: (failure: DeliveryFailure) => void;
}

/** An HTTP response as {@link LocalEventBus.handlePutEventsHttp} returns it. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Rule {
  readonly name: string;
  readonly matcher: EventMatcher;
  readonly targets: readonly EventTarget[];
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * One local event bus.
 *
 * @example
 * ```ts
 * const bus = new LocalEventBus({ onDeliveryFailure: (f) => logger.error('delivery failed', { f }) });
 * bus.putRule({ name: 'failures', pattern: { 'detail-type': ['NodeFailed'] }, targets: [notify] });
 * const result = await bus.putEvents([{ Source: 'stepflow', DetailType: 'NodeFailed', Detail: '{}' }]);
 * result.FailedEntryCount; // 0
 * await bus.drain(); // every delivery settled
 * ```
 */
export class LocalEventBus {
  private readonly rules = new Map<string, Rule>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly name: string;
  private readonly account: string;
  private readonly region: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly onDeliveryFailure: ((failure: DeliveryFailure) => void) | undefined;

  constructor(options: LocalEventBusOptions = {}) {
    this.name = options.name ?? 'default';
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.onDeliveryFailure = options.onDeliveryFailure;
  }

  /**
   * Creates or replaces a rule. Throws a 400 {@link ValidationError} (every pattern problem in
   * `details`) when the pattern is malformed, like PutRule's InvalidEventPatternException.
   *
   * @example
   * ```ts
   * bus.putRule({ name: 'big-orders', pattern: { detail: { total: [{ numeric: ['>', 100] }] } }, targets: [handle] });
   * ```
   */
  putRule(rule: RuleInput): void {
    if (typeof rule.name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(rule.name)) {
      throw new ValidationError(
        `Rule name ${JSON.stringify(rule.name)} is not valid: use 1-64 letters, digits, '.', '-' or '_'.`,
      );
    }
    const compiled = compilePattern(rule.pattern);
    if (!compiled.ok) {
      throw new ValidationError(`Event pattern is not valid: ${compiled.errors.join('; ')}`, {
        details: compiled.errors.map((message) => ({ code: 'InvalidEventPatternException', message })),
      });
    }
    this.rules.set(rule.name, { name: rule.name, matcher: compiled.matcher, targets: [...rule.targets] });
  }

  /**
   * Removes a rule; returns whether it existed.
   *
   * @example
   * ```ts
   * bus.removeRule('big-orders'); // true
   * ```
   */
  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  /**
   * Accepts up to 10 entries, validating each on its own, and schedules delivery of every
   * accepted event to the targets of every matching rule. Resolves before delivery happens.
   * Throws a 400 {@link ValidationError} when the call itself is malformed (no entries, more
   * than 10).
   *
   * @example
   * ```ts
   * const { FailedEntryCount, Entries } = await bus.putEvents([
   *   { Source: 'stepflow', DetailType: 'NodeFailed', Detail: JSON.stringify({ nodeId: 'n1' }) },
   * ]);
   * ```
   */
  async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES_PER_CALL) {
      const received = Array.isArray(entries) ? `${entries.length} entries` : 'no Entries array';
      throw new ValidationError(
        `PutEvents takes between 1 and ${MAX_ENTRIES_PER_CALL} entries per call, received ${received}. Split the batch.`,
      );
    }
    const results: PutEventsResultEntry[] = [];
    let failed = 0;
    for (const entry of entries) {
      const outcome = this.toEvent(entry);
      if ('ErrorCode' in outcome) {
        failed++;
        results.push(outcome);
        continue;
      }
      results.push({ EventId: outcome.id });
      this.dispatch(outcome);
    }
    return { FailedEntryCount: failed, Entries: results };
  }

  /**
   * Resolves when every delivery scheduled so far (retries included) has settled.
   *
   * @example
   * ```ts
   * await bus.putEvents(entries);
   * await bus.drain();
   * ```
   */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Serves PutEvents over the AWS JSON 1.1 wire format (`POST /`,
   * `X-Amz-Target: AWSEvents.PutEvents`), so the real `@aws-sdk/client-eventbridge` can call
   * the bus through a node http server. Errors come back as `{ "__type", "message" }`.
   *
   * @param body - The raw request body.
   * @param headers - Request headers (names in any case; array values are joined).
   *
   * @example
   * ```ts
   * http.createServer(async (req, res) => {
   *   const chunks: Buffer[] = [];
   *   for await (const chunk of req) chunks.push(chunk as Buffer);
   *   const out = await bus.handlePutEventsHttp(Buffer.concat(chunks).toString('utf8'), req.headers);
   *   res.writeHead(out.statusCode, out.headers).end(out.body);
   * });
   * ```
   */
  async handlePutEventsHttp(
    body: string,
    headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  ): Promise<HttpResponse> {
    const header = (name: string): string | undefined => {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
      const value = key === undefined ? undefined : headers[key];
      return typeof value === 'string' ? value : value?.join(',');
    };
    const target = header('x-amz-target');
    if (target !== 'AWSEvents.PutEvents') {
      return awsError(400, 'UnknownOperationException', `Operation ${target ?? '(no X-Amz-Target)'} is not supported; only AWSEvents.PutEvents.`);
    }
    const contentType = header('content-type') ?? '';
    if (!contentType.startsWith(JSON_CONTENT_TYPE)) {
      return awsError(400, 'ValidationException', `Content-Type must be ${JSON_CONTENT_TYPE}, received "${contentType}".`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return awsError(400, 'SerializationException', 'The request body is not valid JSON.');
    }
    const entries = typeof parsed === 'object' && parsed !== null ? (parsed as { Entries?: unknown }).Entries : undefined;
    if (!Array.isArray(entries)) {
      return awsError(400, 'ValidationException', 'The request must carry an Entries array.');
    }
    try {
      const result = await this.putEvents(entries.map(toEntry));
      return { statusCode: 200, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(result) };
    } catch (error) {
      if (error instanceof ValidationError) return awsError(400, 'ValidationException', error.message);
      throw error;
    }
  }

  private toEvent(entry: PutEventsEntry): EventBridgeEvent | { ErrorCode: string; ErrorMessage: string } {
    const invalid = (message: string) => ({ ErrorCode: 'InvalidArgument', ErrorMessage: message });
    if (typeof entry.Source !== 'string' || entry.Source === '') {
      return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
    }
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
      return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    }
    if (typeof entry.Detail !== 'string') {
      return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail) as unknown;
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed: it must be a JSON object string.' };
    }
    if (entry.EventBusName !== undefined && !this.isThisBus(entry.EventBusName)) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist (this local bus is "${this.name}").`,
      };
    }
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
      return invalid('Parameter Resources is not valid. Reason: Resources must be a list of strings.');
    }
    const time = entry.Time === undefined ? new Date() : toDate(entry.Time);
    if (time === undefined) {
      return invalid(`Parameter Time is not valid. Reason: ${JSON.stringify(entry.Time)} is not a timestamp.`);
    }
    const size = entrySizeBytes(entry.Source, entry.DetailType, entry.Detail, resources);
    if (size > MAX_ENTRY_BYTES) {
      return invalid(`Entry is ${size} bytes; the limit is ${MAX_ENTRY_BYTES} bytes. Send a reference instead.`);
    }
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [...resources],
      detail: detail as Record<string, unknown>,
    };
  }

  private isThisBus(nameOrArn: string): boolean {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
    return name === this.name;
  }

  private dispatch(event: EventBridgeEvent): void {
    for (const rule of this.rules.values()) {
      if (!rule.matcher(event)) continue;
      rule.targets.forEach((target, targetIndex) => {
        // Each target gets its own copy, so one target mutating the event cannot affect another.
        const delivery = this.deliver(rule.name, targetIndex, target, structuredClone(event));
        this.inFlight.add(delivery);
        void delivery.finally(() => this.inFlight.delete(delivery));
      });
    }
  }

  private async deliver(ruleName: string, targetIndex: number, target: EventTarget, event: EventBridgeEvent): Promise<void> {
    // Always asynchronous: PutEvents has answered before any target runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        await target(event);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < this.maxAttempts) await sleep(this.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    try {
      this.onDeliveryFailure?.({ ruleName, targetIndex, event, attempts: this.maxAttempts, error: lastError });
    } catch {
      // A failing failure hook must not turn into an unhandled rejection that breaks the bus.
    }
  }
}

/** Maps one wire entry (unknown JSON) to the typed shape; bad types surface as entry errors. */
function toEntry(raw: unknown): PutEventsEntry {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const entry: {
    -readonly [K in keyof PutEventsEntry]: PutEventsEntry[K];
  } = {};
  if (typeof r.Source === 'string') entry.Source = r.Source;
  if (typeof r.DetailType === 'string') entry.DetailType = r.DetailType;
  if (typeof r.Detail === 'string') entry.Detail = r.Detail;
  if (typeof r.EventBusName === 'string') entry.EventBusName = r.EventBusName;
  if (typeof r.Time === 'string' || typeof r.Time === 'number') entry.Time = r.Time;
  if (Array.isArray(r.Resources)) entry.Resources = r.Resources.filter((x): x is string => typeof x === 'string');
  return entry;
}

function toDate(time: Date | string | number): Date | undefined {
  const date = time instanceof Date ? time : typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** EventBridge's entry size: a fixed 14 bytes for Time plus the UTF-8 bytes of the other fields. */
function entrySizeBytes(source: string, detailType: string, detail: string, resources: readonly string[]): number {
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  return 14 + bytes(source) + bytes(detailType) + bytes(detail) + resources.reduce((n, r) => n + bytes(r), 0);
}

function awsError(statusCode: number, type: string, message: string): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
