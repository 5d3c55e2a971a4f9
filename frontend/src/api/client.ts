/**
 * The REST client for `/api/v1` (routes in functions/api-workflows and functions/api-executions).
 * Every call carries `Authorization: Bearer <token>`; errors become {@link ApiError} with the
 * status and the server's `{ error: { code, message, details } }`.
 */
import { errorBodySchema, IDEMPOTENCY_HEADER, type AnswerInputRequest, type ErrorBody } from '@shared/api';
import type { WorkflowDoc } from '../model/types';
import type { ExecutionRecord, Page, ValidateResponse, WorkflowRecord, WorkflowVersionRecord } from './types';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorBody['error']['details'] = [],
  ) {
    super(message);
  }
  /** The draft changed since it was read (optimistic concurrency). */
  get conflict(): boolean {
    return this.status === 409;
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  apiUrl: string;
  token: () => Promise<string>;
  fetch?: Fetch;
}

/** The operations the editor uses; the app and the tests depend on this interface. */
export interface StepflowApi {
  listWorkflows(cursor?: string): Promise<Page<WorkflowRecord>>;
  createWorkflow(workflow: WorkflowDoc, id?: string): Promise<WorkflowRecord>;
  getWorkflow(id: string): Promise<WorkflowRecord>;
  updateWorkflow(id: string, revision: number, workflow: WorkflowDoc): Promise<WorkflowRecord>;
  deleteWorkflow(id: string): Promise<void>;
  validateWorkflow(id: string): Promise<ValidateResponse>;
  publishWorkflow(id: string): Promise<WorkflowVersionRecord>;
  listVersions(id: string): Promise<Page<WorkflowVersionRecord>>;
  getVersion(id: string, version: number): Promise<WorkflowVersionRecord>;
  execute(id: string, input: Record<string, unknown>, idempotencyKey: string, version?: number): Promise<ExecutionRecord>;
  getExecution(id: string): Promise<ExecutionRecord>;
  listExecutions(query: { workflowId?: string; status?: string; limit?: number }): Promise<Page<ExecutionRecord>>;
  stopExecution(id: string): Promise<ExecutionRecord>;
  pauseExecution(id: string): Promise<ExecutionRecord>;
  resumeExecution(id: string): Promise<ExecutionRecord>;
  answerInput(id: string, body: AnswerInputRequest): Promise<{ requestId: string; nodeId: string; status: string }>;
}

const enc = encodeURIComponent;

/**
 * @example
 * ```ts
 * const api = createApiClient({ apiUrl: config.apiUrl, token: () => auth.token() });
 * const { items } = await api.listWorkflows();
 * ```
 */
export function createApiClient(options: ApiClientOptions): StepflowApi {
  const doFetch: Fetch = options.fetch ?? ((i, init) => fetch(i, init));
  const base = options.apiUrl.replace(/\/$/, '');

  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await options.token()}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(json);
      if (parsed.success) throw new ApiError(res.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.details);
      throw new ApiError(res.status, 'HTTP_ERROR', `${method} ${path} failed with HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    return json as T;
  }

  return {
    listWorkflows: (cursor) => call('GET', `/workflows?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    createWorkflow: (workflow, id) => call('POST', '/workflows', { ...(id ? { id } : {}), workflow }),
    getWorkflow: (id) => call('GET', `/workflows/${enc(id)}`),
    updateWorkflow: (id, revision, workflow) => call('PUT', `/workflows/${enc(id)}`, { revision, workflow }),
    deleteWorkflow: (id) => call('DELETE', `/workflows/${enc(id)}`),
    validateWorkflow: (id) => call('POST', `/workflows/${enc(id)}/validate`),
    publishWorkflow: (id) => call('POST', `/workflows/${enc(id)}/publish`),
    listVersions: (id) => call('GET', `/workflows/${enc(id)}/versions?limit=100`),
    getVersion: (id, version) => call('GET', `/workflows/${enc(id)}/versions/${version}`),
    execute: (id, input, key, version) => call('POST', `/workflows/${enc(id)}/execute`, { input, ...(version ? { version } : {}) }, { [IDEMPOTENCY_HEADER]: key }),
    getExecution: (id) => call('GET', `/executions/${enc(id)}`),
    listExecutions: (q) => {
      const params = new URLSearchParams();
      if (q.workflowId) params.set('workflowId', q.workflowId);
      if (q.status) params.set('status', q.status);
      params.set('limit', String(q.limit ?? 50));
      return call('GET', `/executions?${params.toString()}`);
    },
    stopExecution: (id) => call('POST', `/executions/${enc(id)}/stop`, {}),
    pauseExecution: (id) => call('POST', `/executions/${enc(id)}/pause`, {}),
    resumeExecution: (id) => call('POST', `/executions/${enc(id)}/resume`, {}),
    answerInput: (id, body) => call('POST', `/executions/${enc(id)}/input`, body),
  };
}
