/**
 * The workflow routes of the control-plane REST API (`/api/v1/workflows...`): drafts with
 * optimistic concurrency, validation, publishing (compile -> Step Functions -> an immutable
 * version record) and the version listing.
 *
 * Every repository call is keyed by the caller's tenant, so another tenant's workflow is simply
 * not found (404), never forbidden: the answer does not reveal that it exists.
 */
import { createHash, randomUUID } from 'node:crypto';
import { API_PREFIX, createWorkflowRequestSchema, pageQuerySchema, updateWorkflowRequestSchema } from '@shared/api';
import { NotFoundError, UnprocessableError, ValidationError, type ErrorDetail } from '@shared/errors';
import type { Issue } from '@shared/issues';
import type { RuntimeName } from '@shared/runtime';
import type { Workflow } from '@shared/workflow';
import { z } from 'zod';
import { compile } from '../../statemachines/src';
import { MAX_INLINE_BYTES, type S3Ref, type WorkflowRecord, type WorkflowRepository, type WorkflowVersionRecord, type WorkflowVersionRepository } from '../_shared/data';
import { json, noContent, parseBody, parseQuery, type Route, type RouteContext } from '../_shared/http/api';
import type { ObjectStore } from '../_shared/large-output';
import type { StepFunctionsPort } from '../_shared/stepfunctions';

/** How published state machines are built (from the deployment's configuration). */
export interface PublishSettings {
  /** The ARN of each runtime Lambda. @default the compiler's definition-substitution placeholders (the local engine dispatches by node type) */
  readonly functionArn?: (runtime: RuntimeName) => string;
  /** The state machine ARN of a tenant's sub-workflow (optionally a version of it). @default the compiler's placeholders */
  readonly subworkflowArn?: (tenantId: string, workflowId: string, version?: number) => string;
  /** The state machines' execution role. @default the port's configured role */
  readonly roleArn?: string;
  /** A CloudWatch Logs log group ARN: turns on execution logging and tracing. @default none */
  readonly loggingLogGroupArn?: string;
  /**
   * Where compiled definitions too large to keep in the version item go.
   * @default none: publishing such a workflow is refused with 422
   */
  readonly artifacts?: ObjectStore;
}

/** What the workflow routes need; the handler builds it from the environment, tests from local stand-ins. */
export interface WorkflowApiDeps {
  readonly workflows: WorkflowRepository;
  readonly versions: WorkflowVersionRepository;
  readonly stepFunctions: StepFunctionsPort;
  readonly publish: PublishSettings;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Ids of workflows created without one. @default a random UUID */
  readonly newId?: () => string;
}

/** The draft document as the API accepts it (any graph of the right outer shape). */
type DraftDocument = z.infer<typeof createWorkflowRequestSchema>['workflow'];

const idParam = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be a workflow id') });

/** The `{id}` path parameter; an id that cannot exist is a 404 like any unknown one. */
function workflowIdOf(ctx: RouteContext): string {
  const parsed = idParam.safeParse(ctx.params);
  if (!parsed.success) throw new NotFoundError(`workflow ${ctx.params.id ?? ''} does not exist (workflow ids are 1-128 letters, digits, _ or -)`);
  return parsed.data.id;
}

/**
 * Drafts may hold graph issues (work in progress), so they are stored as sent; the record's
 * `graph` type is the parsed `Workflow` because published versions always are one.
 */
const asStoredGraph = (doc: DraftDocument): Workflow => doc as unknown as Workflow;

function describedBy(doc: DraftDocument): { name: string; description?: string } {
  const description = (doc.metadata as Record<string, unknown>).description;
  return { name: doc.metadata.name, ...(typeof description === 'string' ? { description } : {}) };
}

/** An issue as an error detail: where (node, edge, field) and what. */
export function issueDetail(issue: Issue): ErrorDetail {
  return {
    code: issue.code,
    message: issue.message,
    ...(issue.nodeId !== undefined ? { nodeId: issue.nodeId } : {}),
    ...(issue.edgeId !== undefined ? { edgeId: issue.edgeId } : {}),
    ...(issue.field !== undefined ? { path: issue.field } : {}),
  };
}

/** A version as listed: without the (possibly large) graph and definition; GET one version for those. */
function versionSummary(v: WorkflowVersionRecord): Omit<WorkflowVersionRecord, 'graph' | 'asl'> {
  const { graph: _graph, asl: _asl, ...rest } = v;
  return rest;
}

/**
 * The workflow routes.
 *
 * | route | action |
 * |---|---|
 * | `GET /api/v1/workflows` | workflow:read |
 * | `POST /api/v1/workflows` | workflow:write |
 * | `GET /api/v1/workflows/{id}` | workflow:read |
 * | `PUT /api/v1/workflows/{id}` | workflow:write |
 * | `DELETE /api/v1/workflows/{id}` | workflow:delete |
 * | `POST /api/v1/workflows/{id}/validate` | workflow:read |
 * | `POST /api/v1/workflows/{id}/publish` | workflow:publish |
 * | `GET /api/v1/workflows/{id}/versions` | workflow:read |
 * | `GET /api/v1/workflows/{id}/versions/{version}` | workflow:read |
 *
 * @example
 * ```ts
 * const router = new Router(workflowRoutes({ workflows, versions, stepFunctions, publish: { roleArn } }));
 * const res = await dispatch(router, request, { authenticate, authorize: requirePermission });
 * ```
 */
export function workflowRoutes(deps: WorkflowApiDeps): Route[] {
  const now = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? (() => randomUUID());
  const base = `${API_PREFIX}/workflows`;

  const compileDraft = (tenantId: string, wf: WorkflowRecord) => {
    const doc = wf.graph as unknown as Record<string, unknown>;
    const metadata = typeof doc.metadata === 'object' && doc.metadata !== null ? (doc.metadata as Record<string, unknown>) : {};
    // The stored id is the truth: a document copied from another workflow must not keep its id.
    const input = { ...doc, metadata: { ...metadata, id: wf.workflowId } };
    const { functionArn, subworkflowArn } = deps.publish;
    return compile(input, {
      tenantId,
      ...(functionArn ? { functionArn } : {}),
      ...(subworkflowArn ? { subworkflowArn: (id: string, version?: number) => subworkflowArn(tenantId, id, version) } : {}),
    });
  };

  /** The definition inline when it fits in the version item beside the graph, else in the artifact store. */
  const storeDefinition = async (tenantId: string, workflowId: string, definition: string, graph: Workflow): Promise<{ asl: Record<string, unknown> } | { aslRef: S3Ref }> => {
    const bytes = Buffer.byteLength(definition, 'utf8');
    if (bytes + Buffer.byteLength(JSON.stringify(graph), 'utf8') <= MAX_INLINE_BYTES) return { asl: JSON.parse(definition) as Record<string, unknown> };
    if (!deps.publish.artifacts) {
      throw new UnprocessableError(`the compiled definition is ${bytes} bytes and does not fit beside the graph in the ${MAX_INLINE_BYTES}-byte version item, and no artifact store is configured: make the workflow smaller`);
    }
    const digest = createHash('sha256').update(definition).digest('hex');
    const ref = await deps.publish.artifacts.putJson(`definitions/${tenantId}/${workflowId}/${digest}.asl.json`, definition);
    return { aslRef: { bucket: ref.bucket, key: ref.key, ...(ref.bytes !== undefined ? { bytes: ref.bytes } : {}) } };
  };

  return [
    {
      method: 'GET',
      pattern: base,
      action: 'workflow:read',
      handler: async ({ request, identity }) => {
        const q = parseQuery(request, pageQuerySchema);
        const page = await deps.workflows.list(identity.tenantId, { limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
        return json(200, page);
      },
    },
    {
      method: 'POST',
      pattern: base,
      action: 'workflow:write',
      handler: async ({ request, identity }) => {
        const body = parseBody(request, createWorkflowRequestSchema);
        const workflowId = body.id ?? newId();
        const record = await deps.workflows.create(
          { tenantId: identity.tenantId, workflowId, ...describedBy(body.workflow), graph: asStoredGraph(body.workflow), createdBy: identity.userId },
          now(),
        );
        return json(201, record, { location: `${base}/${encodeURIComponent(workflowId)}` });
      },
    },
    {
      method: 'GET',
      pattern: `${base}/{id}`,
      action: 'workflow:read',
      handler: async (ctx) => json(200, await deps.workflows.get(ctx.identity.tenantId, workflowIdOf(ctx))),
    },
    {
      method: 'PUT',
      pattern: `${base}/{id}`,
      action: 'workflow:write',
      handler: async (ctx) => {
        const workflowId = workflowIdOf(ctx);
        const body = parseBody(ctx.request, updateWorkflowRequestSchema);
        const record = await deps.workflows.update(ctx.identity.tenantId, workflowId, body.revision, { ...describedBy(body.workflow), graph: asStoredGraph(body.workflow) }, ctx.identity.userId, now());
        return json(200, record);
      },
    },
    {
      method: 'DELETE',
      pattern: `${base}/{id}`,
      action: 'workflow:delete',
      handler: async (ctx) => {
        const workflowId = workflowIdOf(ctx);
        // `?revision=` makes the delete conditional like an update; without it, the current one.
        const q = parseQuery(ctx.request, z.object({ revision: z.coerce.number().int().min(1).optional() }));
        const revision = q.revision ?? (await deps.workflows.get(ctx.identity.tenantId, workflowId)).revision;
        await deps.workflows.delete(ctx.identity.tenantId, workflowId, revision, ctx.identity.userId, now());
        return noContent();
      },
    },
    {
      method: 'POST',
      pattern: `${base}/{id}/validate`,
      action: 'workflow:read',
      handler: async (ctx) => {
        const wf = await deps.workflows.get(ctx.identity.tenantId, workflowIdOf(ctx));
        const result = compileDraft(ctx.identity.tenantId, wf);
        return json(200, { ok: result.ok, revision: wf.revision, issues: result.issues });
      },
    },
    {
      method: 'POST',
      pattern: `${base}/{id}/publish`,
      action: 'workflow:publish',
      handler: async (ctx) => {
        const tenantId = ctx.identity.tenantId;
        const workflowId = workflowIdOf(ctx);
        const wf = await deps.workflows.get(tenantId, workflowId);
        const result = compileDraft(tenantId, wf);
        if (!result.ok) {
          const errors = result.issues.filter((i) => i.severity === 'error');
          const listed = errors.slice(0, 5).map((i) => `${i.nodeId ? `node ${i.nodeId}: ` : i.edgeId ? `edge ${i.edgeId}: ` : ''}${i.message}`);
          throw new UnprocessableError(`workflow ${workflowId} (revision ${wf.revision}) has ${errors.length} issue(s) and was not published: ${listed.join('; ')}${errors.length > 5 ? '; ...' : ''}`, {
            details: errors.map(issueDetail),
          });
        }
        const definition = await storeDefinition(tenantId, workflowId, result.json, result.workflow);
        const { roleArn, loggingLogGroupArn } = deps.publish;
        const published = await deps.stepFunctions.publish({
          tenantId,
          workflowId,
          definition: result.json,
          type: result.workflow.settings.type,
          ...(roleArn !== undefined ? { roleArn } : {}),
          ...(loggingLogGroupArn !== undefined ? { loggingLogGroupArn } : {}),
          description: `Stepflow ${tenantId}/${workflowId} revision ${wf.revision}`,
          workflow: result.workflow,
        });
        const version = await deps.versions.publish(
          tenantId,
          workflowId,
          { graph: result.workflow, ...definition, stateMachineArn: published.stateMachineArn, versionArn: published.versionArn, sourceRevision: wf.revision, publishedBy: ctx.identity.userId },
          now(),
        );
        return json(201, version, { location: `${base}/${encodeURIComponent(workflowId)}/versions/${version.version}` });
      },
    },
    {
      method: 'GET',
      pattern: `${base}/{id}/versions`,
      action: 'workflow:read',
      handler: async (ctx) => {
        const workflowId = workflowIdOf(ctx);
        const q = parseQuery(ctx.request, pageQuerySchema);
        // The draft's existence (in this tenant) is checked so an unknown id is a 404, not an empty list.
        await deps.workflows.get(ctx.identity.tenantId, workflowId);
        const page = await deps.versions.list(ctx.identity.tenantId, workflowId, { limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
        return json(200, { ...page, items: page.items.map(versionSummary) });
      },
    },
    {
      method: 'GET',
      pattern: `${base}/{id}/versions/{version}`,
      action: 'workflow:read',
      handler: async (ctx) => {
        const workflowId = workflowIdOf(ctx);
        const parsed = z.coerce.number().int().min(1).safeParse(ctx.params.version);
        if (!parsed.success) throw new ValidationError(`version must be a positive integer, got ${ctx.params.version ?? ''}`, { details: [{ path: 'version', message: 'must be a positive integer' }] });
        await deps.workflows.get(ctx.identity.tenantId, workflowId);
        return json(200, await deps.versions.get(ctx.identity.tenantId, workflowId, parsed.data));
      },
    },
  ];
}

/**
 * The audit action name of each workflow route (what {@link auditWriter} records).
 * @example
 * ```ts
 * WORKFLOW_AUDIT_ACTIONS['PUT /api/v1/workflows/{id}'] // 'workflow.update'
 * ```
 */
export const WORKFLOW_AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  [`POST ${API_PREFIX}/workflows`]: 'workflow.create',
  [`PUT ${API_PREFIX}/workflows/{id}`]: 'workflow.update',
  [`DELETE ${API_PREFIX}/workflows/{id}`]: 'workflow.delete',
  [`POST ${API_PREFIX}/workflows/{id}/validate`]: 'workflow.validate',
  [`POST ${API_PREFIX}/workflows/{id}/publish`]: 'workflow.publish',
};
