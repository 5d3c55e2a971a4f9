/**
 * The REST API contract under `/api/v1`: request bodies, query strings and the error shape.
 * The handlers parse with these schemas; the editor and the CLI build requests with the types.
 *
 * @example
 * ```ts
 * const body = createWorkflowRequestSchema.parse(JSON.parse(event.body));
 * ```
 */
import { z } from 'zod';
import { agentDefinitionSchema } from './agents';

export const API_PREFIX = '/api/v1';

/** Every error response: `{ "error": { "code", "message", "details" } }`. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string().optional(), nodeId: z.string().optional(), edgeId: z.string().optional(), code: z.string().optional(), message: z.string() })).default([]),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const workflowIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be 1-128 letters, digits, _ or -, starting with a letter or digit');

/**
 * A draft is any workflow document of the right outer shape: drafts may have graph issues (the
 * editor saves work in progress); `validate` lists them and `publish` refuses them.
 */
export const workflowDocumentSchema = z
  .looseObject({
    schemaVersion: z.literal(1),
    metadata: z.looseObject({ name: z.string().min(1).max(128) }),
    nodes: z.array(z.unknown()).max(20_000),
    edges: z.array(z.unknown()).max(60_000),
  })
  .refine((d) => JSON.stringify(d).length <= 3_000_000, { message: 'the workflow document is larger than 3 MB' });

export const createWorkflowRequestSchema = z.strictObject({
  /** Optional stable id; generated when absent. */
  id: workflowIdSchema.optional(),
  workflow: workflowDocumentSchema,
});
export type CreateWorkflowRequest = z.infer<typeof createWorkflowRequestSchema>;

export const updateWorkflowRequestSchema = z.strictObject({
  /** The revision this update is based on (optimistic concurrency): 409 when it is stale. */
  revision: z.number().int().min(1),
  workflow: workflowDocumentSchema,
});
export type UpdateWorkflowRequest = z.infer<typeof updateWorkflowRequestSchema>;

export const executeRequestSchema = z.strictObject({
  input: z.record(z.string(), z.unknown()).default({}),
  /** A published version; default: the latest. */
  version: z.number().int().min(1).optional(),
});
export type ExecuteRequest = z.infer<typeof executeRequestSchema>;

export const answerInputRequestSchema = z
  .strictObject({
    requestId: z.string().min(1).max(128).optional(),
    nodeId: z.string().min(1).max(64).optional(),
    answer: z.unknown(),
  })
  .refine((r) => r.requestId !== undefined || r.nodeId !== undefined, { message: 'give requestId or nodeId', path: ['requestId'] });
export type AnswerInputRequest = z.infer<typeof answerInputRequestSchema>;

export const stopExecutionRequestSchema = z.strictObject({
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});

export const registerAgentRequestSchema = agentDefinitionSchema;

/** `?limit=&cursor=` on list routes. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
});

export const executionListQuerySchema = pageQuerySchema.extend({
  workflowId: workflowIdSchema.optional(),
  status: z.enum(['RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']).optional(),
});

/** The header that makes POST /workflows/{id}/execute idempotent. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const idempotencyKeySchema = z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** POST /api-keys: a key for automation, with one role. The secret is in the response, once. */
export const createApiKeyRequestSchema = z.strictObject({
  name: z.string().min(1).max(128),
  role: z.enum(['owner', 'editor', 'runner', 'viewer']),
});
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequestSchema>;
