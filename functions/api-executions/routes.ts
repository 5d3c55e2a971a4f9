/**
 * The execution routes of the control-plane REST API: start a published workflow (idempotent
 * under an `Idempotency-Key`), read and list executions, stop, pause, resume, and answer
 * human-input requests.
 *
 * Lifecycle rules (each checked against the execution record, with conditional writes):
 *
 * ```
 *   execute ─> RUNNING ──pause──> RUNNING + pauseRequested ──(gate reached)──> PAUSED
 *                 ^                         │                                   │
 *                 └──────────resume─────────┴───────────────resume──────────────┘
 *   stop:   RUNNING | PAUSED ─> ABORTED        (anything else: 409)
 *   pause:  RUNNING only                       (PAUSED or finished: 409)
 *   resume: PAUSED or pause requested only     (a running execution: 409)
 *   input:  a live execution with a waiting request (answered/expired: 409)
 * ```
 *
 * No event consumer moves an execution's status when it ends yet, so every read of a live
 * execution (GET, and the checks of stop/pause/resume) reconciles the record with Step Functions
 * (`describe`) and with the execution's pause gates before answering.
 *
 * Every repository call is keyed by the caller's tenant, so another tenant's execution is simply
 * not found (404): the answer never reveals that it exists.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { answerInputRequestSchema, API_PREFIX, executeRequestSchema, executionListQuerySchema, IDEMPOTENCY_HEADER, idempotencyKeySchema, stopExecutionRequestSchema } from '@shared/api';
import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import type { Workflow } from '@shared/workflow';
import { z } from 'zod';
import type { CallbackRecord, CallbackStore } from '../_shared/callbacks';
import { keys, type ExecutionRecord, type ExecutionRecordStatus, type ExecutionRepository, type Page, type WorkflowRepository, type WorkflowVersionRecord, type WorkflowVersionRepository } from '../_shared/data';
import { json, parseBody, parseQuery, validationError, type ApiRequest, type Route, type RouteContext } from '../_shared/http/api';
import { checkJsonSchema } from '../_shared/json-schema';
import type { ExecutionDescription, StepFunctionsPort } from '../_shared/stepfunctions';
import type { TaskCallbacks } from '../_shared/task-callbacks';
import { answerInput } from '../request-input/answer-input';
import { releasePauseGates } from '../record-callback/record-callback';

/**
 * Clears a pause request that no pause gate has taken up yet (RUNNING with `pauseRequested`).
 * The data layer's ExecutionRepository has no such transition, so this module brings its own.
 */
export interface PauseRequests {
  /** Sets `pauseRequested` to false when the execution is RUNNING with a pause requested; false when it was not. */
  cancel(tenantId: string, executionId: string, at: Date): Promise<boolean>;
}

/**
 * {@link PauseRequests} on the Stepflow table: one conditional update of the execution record.
 * @example
 * ```ts
 * const pauseRequests = new DynamoPauseRequests(doc, env.TABLE_NAME);
 * await pauseRequests.cancel('acme', executionArn, new Date());
 * ```
 */
export class DynamoPauseRequests implements PauseRequests {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async cancel(tenantId: string, executionId: string, at: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.execution(tenantId, executionId),
          UpdateExpression: 'SET pauseRequested = :false, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND #status = :running AND pauseRequested = :true',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':false': false, ':true': true, ':running': 'RUNNING', ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}

/** What the execution routes need; the handler builds it from the environment, tests from local stand-ins. */
export interface ExecutionApiDeps {
  readonly workflows: WorkflowRepository;
  readonly versions: WorkflowVersionRepository;
  readonly executions: ExecutionRepository;
  readonly stepFunctions: StepFunctionsPort;
  /** The callback records (human input, pause gates) the runtimes write. */
  readonly callbacks: CallbackStore;
  /** Sends answers and resumes to waiting tasks (Step Functions' SendTaskSuccess). */
  readonly tasks: TaskCallbacks;
  readonly pauseRequests: PauseRequests;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** An open human-input request as the API shows it (never the task token). */
export interface InputRequestView {
  readonly requestId: string;
  readonly nodeId: string;
  readonly prompt?: string;
  readonly inputSchema?: Record<string, unknown>;
  readonly createdAt: string;
  readonly expiresAt?: string;
}

/** GET /executions/{id}: the record plus the human-input requests waiting for an answer. */
export type ExecutionView = ExecutionRecord & { readonly inputRequests: InputRequestView[] };

/** Audit action names of the mutating execution routes, keyed by `<METHOD> <pattern>`. */
export const EXECUTION_AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  [`POST ${API_PREFIX}/workflows/{id}/execute`]: 'execution.start',
  [`POST ${API_PREFIX}/executions/{id}/stop`]: 'execution.stop',
  [`POST ${API_PREFIX}/executions/{id}/pause`]: 'execution.pause',
  [`POST ${API_PREFIX}/executions/{id}/resume`]: 'execution.resume',
  [`POST ${API_PREFIX}/executions/{id}/input`]: 'execution.answer',
};

const LIVE: ReadonlySet<ExecutionRecordStatus> = new Set(['RUNNING', 'PAUSED']);
const FINAL_SFN = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const);
type FinalSfnStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
/** Step Functions' limit on execution input. */
const MAX_INPUT_BYTES = 256 * 1024;

const workflowIdParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/);

/**
 * The `{id}` of an execution path: an execution ARN or a local id, URL-encoded once (the router
 * decodes it) or twice (clients that encode an already-encoded ARN): both are accepted.
 */
export function executionIdOf(raw: string | undefined): string {
  let id = raw ?? '';
  if (/%[0-9A-Fa-f]{2}/.test(id)) {
    try {
      id = decodeURIComponent(id);
    } catch {
      // Not a second encoding after all: keep it as it is.
    }
  }
  if (id.length === 0 || id.length > 2048) throw new NotFoundError(`execution ${id.slice(0, 64)} does not exist`);
  return id;
}

/** A JSON Pointer (`/a/b`) as a field name under `root` (`input.a.b`). */
const fieldName = (root: string, pointer: string) => (pointer === '/' || pointer === '' ? root : `${root}${pointer.split('/').slice(1).map((p) => `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`).join('')}`);

/** The execution input checked against the start node's inputSchema (400 naming each field). */
function checkStartInput(graph: Workflow, input: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
  if (bytes > MAX_INPUT_BYTES) throw new ValidationError(`the execution input is ${bytes} bytes; Step Functions accepts at most ${MAX_INPUT_BYTES}: pass large data by reference (e.g. an S3 key)`, { details: [{ path: 'input', message: 'too large' }] });
  const start = graph.nodes.find((n) => n.type === 'start');
  const schema = start?.type === 'start' ? start.config.inputSchema : undefined;
  if (!schema) return;
  const check = checkJsonSchema(schema, input);
  if (check.ok) return;
  const details = check.errors.slice(0, 50).map((e) => ({ path: fieldName('input', e.path), message: e.message }));
  throw new ValidationError(`the input does not match the start node's inputSchema: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, { details });
}

/** The optional Idempotency-Key header, validated. */
function idempotencyKeyOf(request: ApiRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(raw);
  if (!parsed.success) throw validationError('Idempotency-Key header', parsed.error);
  return parsed.data;
}

/** A body that may be absent (stop takes an optional reason). */
function optionalBody<S extends z.ZodType>(request: ApiRequest, schema: S): z.infer<S> {
  if (request.body === undefined || request.body.trim() === '') return parseBody({ ...request, body: '{}' }, schema);
  return parseBody(request, schema);
}

const inputRequestView = (r: CallbackRecord): InputRequestView => ({
  requestId: r.requestId,
  nodeId: r.nodeId,
  ...(r.prompt !== undefined ? { prompt: r.prompt } : {}),
  ...(r.inputSchema !== undefined ? { inputSchema: r.inputSchema } : {}),
  createdAt: r.createdAt,
  ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
});

/**
 * The execution routes.
 * @example
 * ```ts
 * const router = new Router(executionRoutes({ workflows, versions, executions, stepFunctions, callbacks, tasks, pauseRequests }));
 * await dispatch(router, request, { authenticate, authorize: requirePermission, audit });
 * ```
 */
export function executionRoutes(deps: ExecutionApiDeps): Route[] {
  const now = deps.clock ?? (() => new Date());
  const executionsBase = `${API_PREFIX}/executions`;
  const location = (executionId: string) => `${executionsBase}/${encodeURIComponent(executionId)}`;

  async function pickVersion(tenantId: string, workflowId: string, requested: number | undefined): Promise<WorkflowVersionRecord> {
    await deps.workflows.get(tenantId, workflowId);
    if (requested !== undefined) return deps.versions.get(tenantId, workflowId, requested);
    const latest = await deps.versions.latest(tenantId, workflowId);
    if (!latest) throw new ConflictError(`workflow ${workflowId} has no published version: publish first (POST ${API_PREFIX}/workflows/${workflowId}/publish)`);
    return latest;
  }

  async function startTarget(tenantId: string, version: WorkflowVersionRecord): Promise<{ versionArn: string } | { stateMachineArn: string }> {
    if (version.versionArn !== undefined) return { versionArn: version.versionArn };
    // Without a version ARN only the state machine's latest definition can be started, which is
    // this version only when it is the latest one.
    const latest = await deps.versions.latest(tenantId, version.workflowId);
    if (latest?.version !== version.version) throw new ConflictError(`version ${version.version} of workflow ${version.workflowId} has no Step Functions version to start: publish again`);
    return { stateMachineArn: version.stateMachineArn };
  }

  async function openCallbacks(executionId: string, kind: CallbackRecord['kind']): Promise<CallbackRecord[]> {
    return (await deps.callbacks.list(executionId)).filter((r) => r.kind === kind && r.status === 'waiting');
  }

  async function describe(executionId: string): Promise<ExecutionDescription | undefined> {
    try {
      return await deps.stepFunctions.describe(executionId);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async function complete(record: ExecutionRecord, d: ExecutionDescription & { status: FinalSfnStatus }): Promise<ExecutionRecord> {
    const completion = {
      status: d.status,
      ...(d.error ? { error: { name: d.error.error, message: d.error.cause } } : {}),
      ...(d.stopDate ? { stoppedAt: d.stopDate } : {}),
    };
    try {
      return await deps.executions.complete(record.tenantId, record.executionId, { ...completion, ...(d.output !== undefined ? { output: d.output } : {}) });
    } catch (err) {
      // An output too large for the record is still in Step Functions' history: record the end.
      if (err instanceof ValidationError) return deps.executions.complete(record.tenantId, record.executionId, completion);
      if (err instanceof ConflictError) return deps.executions.get(record.tenantId, record.executionId);
      throw err;
    }
  }

  /**
   * Brings a live record up to date: a finished execution gets its final status, an execution
   * whose pause request reached a pause gate becomes PAUSED, and a pause gate left open by a
   * resume that raced the gate is released (the execution must not stay stuck).
   */
  async function reconcile(record: ExecutionRecord, by?: string): Promise<ExecutionRecord> {
    if (!LIVE.has(record.status)) return record;
    const d = await describe(record.executionId);
    if (d && (FINAL_SFN as ReadonlySet<string>).has(d.status)) return complete(record, d as ExecutionDescription & { status: FinalSfnStatus });
    if (record.status !== 'RUNNING') return record;
    const gates = await openCallbacks(record.executionId, 'pause');
    if (gates.length === 0) return record;
    if (record.pauseRequested) {
      try {
        return await deps.executions.markPaused(record.tenantId, record.executionId, now());
      } catch (err) {
        if (err instanceof ConflictError) return deps.executions.get(record.tenantId, record.executionId);
        throw err;
      }
    }
    await releasePauseGates({ callbacks: deps.callbacks, tasks: deps.tasks }, record.executionId, by).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
    return record;
  }

  async function current(ctx: RouteContext): Promise<ExecutionRecord> {
    const record = await deps.executions.get(ctx.identity.tenantId, executionIdOf(ctx.params.id));
    return reconcile(record, ctx.identity.userId);
  }

  async function view(record: ExecutionRecord): Promise<ExecutionView> {
    const inputRequests = LIVE.has(record.status) ? (await openCallbacks(record.executionId, 'human_input')).map(inputRequestView) : [];
    return { ...record, inputRequests };
  }

  async function listExecutions(tenantId: string, query: z.infer<typeof executionListQuerySchema>): Promise<Page<ExecutionRecord>> {
    const page = { limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) };
    if (query.workflowId !== undefined) {
      const res = await deps.executions.listByWorkflow(tenantId, query.workflowId, page);
      return query.status === undefined ? res : { ...res, items: res.items.filter((e) => e.status === query.status) };
    }
    if (query.status !== undefined) return deps.executions.listByStatus(tenantId, query.status, page);
    return listAcrossStatuses(deps.executions, tenantId, query.limit, query.cursor);
  }

  return [
    {
      method: 'POST',
      pattern: `${API_PREFIX}/workflows/{id}/execute`,
      action: 'execution:start',
      handler: async (ctx) => {
        const tenantId = ctx.identity.tenantId;
        const workflowId = workflowIdParam.safeParse(ctx.params.id);
        if (!workflowId.success) throw new NotFoundError(`workflow ${ctx.params.id ?? ''} does not exist`);
        const body = parseBody(ctx.request, executeRequestSchema);
        const idempotencyKey = idempotencyKeyOf(ctx.request);
        const version = await pickVersion(tenantId, workflowId.data, body.version);
        checkStartInput(version.graph, body.input);
        const started = await deps.stepFunctions.start({ ...(await startTarget(tenantId, version)), input: body.input, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
        const existing = await deps.executions.find(tenantId, started.executionArn);
        // The conditional create returns the record a retried request already wrote.
        const record =
          existing ??
          (await deps.executions.create({
            tenantId,
            executionId: started.executionArn,
            workflowId: workflowId.data,
            version: version.version,
            name: started.executionArn.split(':').at(-1) ?? started.executionArn,
            input: body.input,
            ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
            startedAt: started.startDate,
          }));
        const retry = started.alreadyStarted || existing !== undefined;
        return json(retry ? 200 : 202, record, { location: location(record.executionId) });
      },
    },
    {
      method: 'GET',
      pattern: executionsBase,
      action: 'execution:read',
      handler: async (ctx) => json(200, await listExecutions(ctx.identity.tenantId, parseQuery(ctx.request, executionListQuerySchema))),
    },
    {
      method: 'GET',
      pattern: `${executionsBase}/{id}`,
      action: 'execution:read',
      handler: async (ctx) => json(200, await view(await current(ctx))),
    },
    {
      method: 'POST',
      pattern: `${executionsBase}/{id}/stop`,
      action: 'execution:control',
      handler: async (ctx) => {
        const body = optionalBody(ctx.request, stopExecutionRequestSchema);
        const record = await current(ctx);
        if (!LIVE.has(record.status)) throw new ConflictError(`execution ${record.executionId} is ${record.status}: only a RUNNING or PAUSED execution can be stopped`);
        const error = body.error ?? 'Stepflow.Stopped';
        const cause = body.cause ?? `stopped by ${ctx.identity.userId}`;
        try {
          await deps.stepFunctions.stop(record.executionId, { error, cause });
        } catch (err) {
          // It ended between the check and the stop: say how it ended.
          if (!(err instanceof ConflictError)) throw err;
          const ended = await reconcile(record);
          throw new ConflictError(`execution ${record.executionId} is ${ended.status}: only a RUNNING or PAUSED execution can be stopped`, { cause: err });
        }
        const stoppedAt = now();
        const stopped = await deps.executions.complete(record.tenantId, record.executionId, { status: 'ABORTED', error: { name: error, message: cause }, stoppedAt });
        // Requests that can no longer be answered stop showing as open (the local engine does this itself).
        for (const r of (await deps.callbacks.list(record.executionId)).filter((c) => c.status === 'waiting')) {
          await deps.callbacks.finish(record.executionId, r.requestId, 'cancelled', ctx.identity.userId, stoppedAt).catch((err: unknown) => {
            if (!(err instanceof ConflictError)) throw err;
          });
        }
        return json(200, stopped);
      },
    },
    {
      method: 'POST',
      pattern: `${executionsBase}/{id}/pause`,
      action: 'execution:control',
      handler: async (ctx) => {
        const record = await current(ctx);
        if (record.status !== 'RUNNING') throw new ConflictError(`execution ${record.executionId} is ${record.status}: only a RUNNING execution can be paused`);
        // Repeating a pause that is already requested returns the record unchanged.
        const requested = await deps.executions.requestPause(record.tenantId, record.executionId, now());
        return json(202, requested);
      },
    },
    {
      method: 'POST',
      pattern: `${executionsBase}/{id}/resume`,
      action: 'execution:control',
      handler: async (ctx) => {
        const record = await current(ctx);
        const at = now();
        let resumed: ExecutionRecord;
        if (record.status === 'PAUSED') {
          resumed = await deps.executions.resume(record.tenantId, record.executionId, at);
        } else if (record.status === 'RUNNING' && record.pauseRequested && (await deps.pauseRequests.cancel(record.tenantId, record.executionId, at))) {
          resumed = await deps.executions.get(record.tenantId, record.executionId);
        } else {
          const why = record.status === 'RUNNING' ? 'resuming a running execution that is not paused is not possible' : 'only a PAUSED execution can be resumed';
          throw new ConflictError(`execution ${record.executionId} is ${record.status}: ${why}`);
        }
        // The flag is clear before the gates open, so the re-entered nodes run. A gate another
        // request (a concurrent GET's reconcile) released first is a conflict that changes nothing.
        await releasePauseGates({ callbacks: deps.callbacks, tasks: deps.tasks }, record.executionId, ctx.identity.userId).catch((err: unknown) => {
          if (!(err instanceof ConflictError)) throw err;
        });
        return json(200, resumed);
      },
    },
    {
      method: 'POST',
      pattern: `${executionsBase}/{id}/input`,
      action: 'execution:answer',
      handler: async (ctx) => {
        const body = parseBody(ctx.request, answerInputRequestSchema);
        const record = await current(ctx);
        if (!LIVE.has(record.status)) throw new ConflictError(`execution ${record.executionId} is ${record.status}: it no longer waits for input`);
        const answered = await answerInput(
          { callbacks: deps.callbacks, tasks: deps.tasks, now },
          {
            executionId: record.executionId,
            ...(body.requestId !== undefined ? { requestId: body.requestId } : {}),
            ...(body.nodeId !== undefined ? { nodeId: body.nodeId } : {}),
            answer: body.answer,
            answeredBy: ctx.identity.userId,
          },
        );
        return json(200, { executionId: record.executionId, requestId: answered.requestId, nodeId: answered.nodeId, status: answered.status, ...(answered.answeredAt !== undefined ? { answeredAt: answered.answeredAt } : {}) });
      },
    },
  ];
}

const STATUS_ORDER: readonly ExecutionRecordStatus[] = ['RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'];
const listCursorSchema = z.object({ s: z.number().int().min(0).max(STATUS_ORDER.length - 1), c: z.string().optional() });

/**
 * Every execution of a tenant without a filter: the data layer lists by status or by workflow
 * only, so this walks the statuses in a fixed order (live ones first, newest first within each),
 * with a cursor that remembers the status and the position within it.
 */
async function listAcrossStatuses(executions: ExecutionRepository, tenantId: string, limit: number, cursor: string | undefined): Promise<Page<ExecutionRecord>> {
  let position: z.infer<typeof listCursorSchema> = { s: 0 };
  if (cursor !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const parsed = listCursorSchema.safeParse(decoded);
    if (!parsed.success) throw new ValidationError('invalid query: cursor: is not a cursor this listing returned', { details: [{ path: 'cursor', message: 'is not a cursor this listing returned' }] });
    position = parsed.data;
  }
  const items: ExecutionRecord[] = [];
  let s = position.s;
  let inner = position.c;
  while (s < STATUS_ORDER.length && items.length < limit) {
    const page = await executions.listByStatus(tenantId, STATUS_ORDER[s] as ExecutionRecordStatus, { limit: limit - items.length, ...(inner !== undefined ? { cursor: inner } : {}) });
    items.push(...page.items);
    if (page.cursor !== undefined) {
      inner = page.cursor;
      if (items.length >= limit) break;
    } else {
      s += 1;
      inner = undefined;
    }
  }
  if (s >= STATUS_ORDER.length) return { items };
  return { items, cursor: Buffer.from(JSON.stringify({ s, ...(inner !== undefined ? { c: inner } : {}) }), 'utf8').toString('base64url') };
}
