/**
 * Answering a human-input request: the answer is validated against the request's schema, the
 * request must still be waiting and not past its deadline, it is marked answered exactly once
 * (a conditional write), and only then is the answer sent to Step Functions as task success.
 */
import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import { type CallbackRecord, type CallbackStore } from '../_shared/callbacks';
import { checkJsonSchema, describeSchemaErrors } from '../_shared/json-schema';
import type { TaskCallbacks } from '../_shared/task-callbacks';

export interface AnswerInputDeps {
  readonly callbacks: CallbackStore;
  readonly tasks: TaskCallbacks;
  readonly now?: () => Date;
}

export interface AnswerInputRequest {
  readonly executionId: string;
  /** The request to answer; or give the node id of the (single) waiting request. */
  readonly requestId?: string;
  readonly nodeId?: string;
  readonly answer: unknown;
  readonly answeredBy?: string;
}

/**
 * @throws ValidationError (400) when the answer does not match the schema; NotFoundError (404)
 * for an unknown request; ConflictError (409) when it was answered, cancelled or has expired.
 * @example
 * ```ts
 * await answerInput({ callbacks, tasks }, { executionId, nodeId: 'approve', answer: { approved: true } });
 * ```
 */
export async function answerInput(deps: AnswerInputDeps, req: AnswerInputRequest): Promise<CallbackRecord> {
  const record = await findRequest(deps.callbacks, req);
  if (record.status !== 'waiting') throw new ConflictError(`the request for node "${record.nodeId}" is ${record.status}`);
  const now = deps.now?.() ?? new Date();
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) {
    await deps.callbacks.finish(record.executionId, record.requestId, 'expired', undefined, now).catch(() => undefined);
    throw new ConflictError(`the request for node "${record.nodeId}" expired at ${record.expiresAt}`);
  }
  const check = checkJsonSchema(record.inputSchema ?? {}, req.answer);
  if (!check.ok) {
    throw new ValidationError(`the answer does not match the schema of node "${record.nodeId}": ${describeSchemaErrors(check.errors)}`, {
      details: check.errors.map((e) => ({ path: e.path, message: e.message })),
    });
  }
  const finished = await deps.callbacks.finish(record.executionId, record.requestId, 'answered', req.answeredBy, now);
  await deps.tasks.sendTaskSuccess(record.taskToken, req.answer);
  return finished;
}

async function findRequest(store: CallbackStore, req: AnswerInputRequest): Promise<CallbackRecord> {
  if (req.requestId) {
    const r = await store.get(req.executionId, req.requestId);
    if (!r || r.kind !== 'human_input') throw new NotFoundError(`execution ${req.executionId} has no input request ${req.requestId}`);
    return r;
  }
  if (!req.nodeId) throw new ValidationError('give requestId or nodeId');
  const waiting = (await store.list(req.executionId)).filter((r) => r.kind === 'human_input' && r.nodeId === req.nodeId);
  const open = waiting.filter((r) => r.status === 'waiting');
  if (open.length === 1) return open[0] as CallbackRecord;
  if (open.length > 1) throw new ConflictError(`node "${req.nodeId}" has ${open.length} open requests (one per loop iteration): answer by requestId`);
  if (waiting.length > 0) return waiting[waiting.length - 1] as CallbackRecord;
  throw new NotFoundError(`execution ${req.executionId} is not waiting for input at node "${req.nodeId}"`);
}
