/**
 * Execution records and their status machine:
 *
 * ```
 *   RUNNING --markPaused--> PAUSED --resume--> RUNNING
 *   RUNNING | PAUSED --complete--> SUCCEEDED | FAILED | ABORTED | TIMED_OUT   (final)
 * ```
 *
 * Every transition is one conditional update on the record (the `gsi1` status entry moves in
 * the same write), so a late or repeated event can never move a finished execution back.
 * Repeating a transition that already happened returns the record unchanged (events are
 * delivered at least once).
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import type { ExecutionStatus } from '@shared/events';
import { GSI1, keys } from './keys';
import type { ExecutionRecord, ExecutionRecordStatus, Page, PageRequest, S3Ref, UsageTotalsRecord } from './records';
import { assertInline, batchGet, epochSeconds, isConditionalFailure, isLive, queryPage, strip, updateExpression } from './support';

export interface NewExecution {
  readonly tenantId: string;
  readonly executionId: string;
  readonly workflowId: string;
  readonly version: number;
  readonly name?: string;
  readonly input?: unknown;
  readonly inputRef?: S3Ref;
  readonly idempotencyKey?: string;
  readonly startedAt?: Date;
}

export interface ExecutionCompletion {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly outputRef?: S3Ref;
  readonly error?: { readonly name: string; readonly message: string };
  readonly stoppedAt?: Date;
  /** Defaults to stoppedAt - startedAt. */
  readonly durationMs?: number;
  readonly totals?: UsageTotalsRecord;
}

const LIVE: readonly ExecutionRecordStatus[] = ['RUNNING', 'PAUSED'];
/** Idempotency keys are honoured for a day, like most public APIs do. */
const IDEMPOTENCY_TTL_SECONDS = 86_400;

/**
 * Executions on `TENANT#<t>#EXEC#<id>` / `META`; listed by status through `gsi1` and by workflow
 * through pointer items in the workflow's partition.
 * @example
 * ```ts
 * const executions = new ExecutionRepository(doc, 'stepflow');
 * await executions.create({ tenantId: 't1', executionId: arn, workflowId: 'wf-1', version: 3, input });
 * await executions.complete('t1', arn, { status: 'SUCCEEDED', output });
 * ```
 */
export class ExecutionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims an idempotency key for an execution id: returns the id that holds the key (the given
   * one when newly claimed), so a retried start finds the execution the first attempt started.
   */
  async claimIdempotencyKey(tenantId: string, idempotencyKey: string, executionId: string, at: Date = new Date()): Promise<{ executionId: string; claimed: boolean }> {
    const key = keys.executionIdempotency(tenantId, idempotencyKey);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, executionId, ttl: epochSeconds(at) + IDEMPOTENCY_TTL_SECONDS },
          // An expired claim that DynamoDB has not deleted yet may be taken over.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(at) },
        }),
      );
      return { executionId, claimed: true };
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { executionId: String(res.Item?.executionId), claimed: false };
    }
  }

  /**
   * Records a new RUNNING execution. Safe to retry: repeating a create with the same id,
   * workflow and idempotency key returns the existing record; any other reuse of an id is a
   * ConflictError.
   */
  async create(input: NewExecution): Promise<ExecutionRecord> {
    assertInline('input', input.input, 'inputRef');
    const startedAt = (input.startedAt ?? new Date()).toISOString();
    const record: ExecutionRecord = {
      tenantId: input.tenantId,
      executionId: input.executionId,
      workflowId: input.workflowId,
      version: input.version,
      ...(input.name !== undefined ? { name: input.name } : {}),
      status: 'RUNNING',
      ...(input.input !== undefined ? { input: input.input } : {}),
      ...(input.inputRef !== undefined ? { inputRef: input.inputRef } : {}),
      startedAt,
      pauseRequested: false,
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
      updatedAt: startedAt,
    };
    // The tenant index and the pointer go first: a crash between the writes leaves at worst a
    // pointer without a record (skipped by the listing), never an execution missing from its
    // workflow's list, nor a record whose events cannot find their partition.
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.executionTenant(input.executionId), tenantId: input.tenantId } }));
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.workflowExecution(input.tenantId, input.workflowId, startedAt, input.executionId), executionId: input.executionId, startedAt },
      }),
    );
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.execution(input.tenantId, input.executionId), ...keys.executionsByStatus(input.tenantId, 'RUNNING', startedAt, input.executionId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const existing = await this.get(input.tenantId, input.executionId);
      const retry = existing.workflowId === input.workflowId && existing.idempotencyKey !== undefined && existing.idempotencyKey === input.idempotencyKey;
      if (retry) return existing;
      throw new ConflictError(`execution ${input.executionId} already exists`);
    }
  }

  /** The tenant an execution was recorded under, or undefined (e.g. started outside the API). */
  async tenantOf(executionId: string): Promise<string | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.executionTenant(executionId) }));
    return typeof res.Item?.tenantId === 'string' ? res.Item.tenantId : undefined;
  }

  async find(tenantId: string, executionId: string): Promise<ExecutionRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.execution(tenantId, executionId), ConsistentRead: true }));
    return isLive(res.Item) ? strip<ExecutionRecord>(res.Item, 'ttl') : undefined;
  }

  /** The execution, or NotFoundError (also for another tenant's execution). */
  async get(tenantId: string, executionId: string): Promise<ExecutionRecord> {
    const e = await this.find(tenantId, executionId);
    if (!e) throw new NotFoundError(`execution ${executionId} does not exist`);
    return e;
  }

  /** Asks a RUNNING execution to pause (the runtime pauses at its next gate). */
  async requestPause(tenantId: string, executionId: string, at: Date = new Date()): Promise<ExecutionRecord> {
    return this.transition(tenantId, executionId, 'request a pause', ['RUNNING'], undefined, { pauseRequested: true, updatedAt: at.toISOString() }, (e) => e.pauseRequested && e.status === 'RUNNING');
  }

  /** RUNNING -> PAUSED (the runtime reached a pause gate). */
  async markPaused(tenantId: string, executionId: string, at: Date = new Date()): Promise<ExecutionRecord> {
    return this.transition(tenantId, executionId, 'pause', ['RUNNING'], 'PAUSED', { pauseRequested: false, updatedAt: at.toISOString() });
  }

  /** PAUSED -> RUNNING. */
  async resume(tenantId: string, executionId: string, at: Date = new Date()): Promise<ExecutionRecord> {
    return this.transition(tenantId, executionId, 'resume', ['PAUSED'], 'RUNNING', { pauseRequested: false, updatedAt: at.toISOString() });
  }

  /** RUNNING | PAUSED -> a final status, with the output or error and the totals. */
  async complete(tenantId: string, executionId: string, completion: ExecutionCompletion): Promise<ExecutionRecord> {
    assertInline('output', completion.output, 'outputRef');
    const stoppedAt = completion.stoppedAt ?? new Date();
    let durationMs = completion.durationMs;
    if (durationMs === undefined) {
      const current = await this.get(tenantId, executionId);
      durationMs = Math.max(0, stoppedAt.getTime() - Date.parse(current.startedAt));
    }
    const set = {
      output: completion.output,
      outputRef: completion.outputRef,
      error: completion.error,
      stoppedAt: stoppedAt.toISOString(),
      durationMs,
      totals: completion.totals,
      pauseRequested: false,
      updatedAt: stoppedAt.toISOString(),
    };
    return this.transition(tenantId, executionId, `complete as ${completion.status}`, LIVE, completion.status, set);
  }

  /** Replaces the token and cost totals of a live execution (absolute values: safe to repeat). */
  async setTotals(tenantId: string, executionId: string, totals: UsageTotalsRecord): Promise<ExecutionRecord> {
    return this.transition(tenantId, executionId, 'update totals', LIVE, undefined, { totals });
  }

  /** The tenant's executions in one status, newest first. */
  async listByStatus(tenantId: string, status: ExecutionRecordStatus, page: PageRequest = {}): Promise<Page<ExecutionRecord>> {
    const res = await queryPage(this.db, { tableName: this.tableName, index: GSI1, pk: keys.executionsByStatusPk(tenantId, status), forward: false, page });
    return { ...res, items: res.items.map((i) => strip<ExecutionRecord>(i, 'ttl')) };
  }

  /** A workflow's executions (any status), newest first. */
  async listByWorkflow(tenantId: string, workflowId: string, page: PageRequest = {}): Promise<Page<ExecutionRecord>> {
    const k = keys.workflowExecutionPrefix(tenantId, workflowId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: false, page });
    const records = new Map(
      (await batchGet(this.db, this.tableName, res.items.map((p) => keys.execution(tenantId, String(p.executionId))))).map((i) => [String(i.executionId), strip<ExecutionRecord>(i, 'ttl')]),
    );
    // A pointer counts only when its start time is the record's: a create that crashed and was
    // retried with another start time leaves a stale pointer, which must not list it twice.
    const items = res.items.flatMap((p) => {
      const r = records.get(String(p.executionId));
      return r && r.workflowId === workflowId && r.startedAt === p.startedAt ? [r] : [];
    });
    return { ...res, items };
  }

  /**
   * One conditional update: applies when the status is one of `from`; otherwise returns the
   * record when `done` says the change already happened, else ConflictError naming the status.
   */
  private async transition(
    tenantId: string,
    executionId: string,
    action: string,
    from: readonly ExecutionRecordStatus[],
    to: ExecutionRecordStatus | undefined,
    set: Record<string, unknown>,
    done: (current: ExecutionRecord) => boolean = (e) => to !== undefined && e.status === to,
  ): Promise<ExecutionRecord> {
    if (from.length === 0) throw new ValidationError('a transition needs at least one source status');
    const u = updateExpression({ ...set, ...(to ? { status: to } : {}) });
    let expression = u.expression;
    const values: Record<string, unknown> = { ...u.values };
    const names: Record<string, string> = { ...u.names, '#status': 'status' };
    from.forEach((s, i) => (values[`:from${i}`] = s));
    if (to) {
      // The status listing entry moves with the status, in the same write.
      expression += ', gsi1pk = :gsi1pk';
      values[':gsi1pk'] = keys.executionsByStatusPk(tenantId, to);
    }
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.execution(tenantId, executionId),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<ExecutionRecord>(res.Attributes ?? {}, 'ttl');
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const current = await this.get(tenantId, executionId);
      if (done(current)) return current;
      throw new ConflictError(`execution ${executionId} is ${current.status}: cannot ${action} (needs ${from.join(' or ')})`);
    }
  }
}
