/**
 * Workflow drafts: the editable graph of a workflow, guarded by a `revision` number so two
 * editors cannot overwrite each other's changes (optimistic concurrency).
 *
 * Delete is soft: the draft disappears from reads and listings but its item stays, because
 * published versions and executions keep referring to the workflow id (and the id cannot be
 * reused for a different workflow by accident).
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '@shared/errors';
import type { Workflow } from '@shared/workflow';
import { GSI1, keys } from './keys';
import type { Page, PageRequest, WorkflowRecord } from './records';
import { assertInline, isConditionalFailure, isLive, queryPage, strip, updateExpression } from './support';

export interface NewWorkflow {
  readonly tenantId: string;
  readonly workflowId: string;
  readonly name: string;
  readonly description?: string;
  readonly graph: Workflow;
  readonly createdBy?: string;
}

export interface WorkflowPatch {
  readonly name?: string;
  readonly description?: string;
  readonly graph?: Workflow;
}

const INTERNAL = ['ttl', 'deletedAt', 'deletedBy'];

/**
 * Drafts on `TENANT#<t>` / `WF#<id>`, listed newest first through `gsi1`.
 * @example
 * ```ts
 * const workflows = new WorkflowRepository(doc, 'stepflow');
 * const wf = await workflows.create({ tenantId: 't1', workflowId: 'wf-1', name: 'Hello', graph });
 * await workflows.update('t1', 'wf-1', wf.revision, { name: 'Hello 2' });
 * ```
 */
export class WorkflowRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates a draft at revision 1; ConflictError when the id is taken (also by a deleted draft). */
  async create(input: NewWorkflow, at: Date = new Date()): Promise<WorkflowRecord> {
    assertInline('graph', input.graph, 'a smaller graph');
    const now = at.toISOString();
    const record: WorkflowRecord = {
      tenantId: input.tenantId,
      workflowId: input.workflowId,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      graph: input.graph,
      revision: 1,
      createdAt: now,
      ...(input.createdBy !== undefined ? { createdBy: input.createdBy, updatedBy: input.createdBy } : {}),
      updatedAt: now,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.workflow(input.tenantId, input.workflowId), ...keys.workflowsIndex(input.tenantId, now, input.workflowId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalFailure(err)) throw new ConflictError(`workflow ${input.workflowId} already exists: choose another id`);
      throw err;
    }
    return record;
  }

  /** The live draft, or undefined (missing, deleted, or another tenant's). */
  async find(tenantId: string, workflowId: string): Promise<WorkflowRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.workflow(tenantId, workflowId), ConsistentRead: true }));
    if (!isLive(res.Item) || res.Item.deletedAt !== undefined) return undefined;
    return strip<WorkflowRecord>(res.Item, ...INTERNAL);
  }

  /** The live draft, or NotFoundError. */
  async get(tenantId: string, workflowId: string): Promise<WorkflowRecord> {
    const wf = await this.find(tenantId, workflowId);
    if (!wf) throw new NotFoundError(`workflow ${workflowId} does not exist`);
    return wf;
  }

  /**
   * Applies a patch when the draft is still at `expectedRevision`, moving it to the next
   * revision. ConflictError (naming the current revision) when someone saved in between.
   */
  async update(tenantId: string, workflowId: string, expectedRevision: number, patch: WorkflowPatch, actor?: string, at: Date = new Date()): Promise<WorkflowRecord> {
    assertInline('graph', patch.graph, 'a smaller graph');
    const u = updateExpression({ name: patch.name, description: patch.description, graph: patch.graph, updatedAt: at.toISOString(), updatedBy: actor, revision: expectedRevision + 1 });
    return this.conditional(tenantId, workflowId, expectedRevision, u);
  }

  /** Soft-deletes the draft at `expectedRevision` (it leaves reads and listings). */
  async delete(tenantId: string, workflowId: string, expectedRevision: number, actor?: string, at: Date = new Date()): Promise<void> {
    // Removing the gsi1 attributes takes the draft out of the listing in the same write.
    const u = updateExpression({ deletedAt: at.toISOString(), deletedBy: actor, revision: expectedRevision + 1 }, ['gsi1pk', 'gsi1sk']);
    await this.conditional(tenantId, workflowId, expectedRevision, u);
  }

  /**
   * Records a published version number; never lowers it, so publishers finishing out of order
   * leave the highest. A no-op for a missing or deleted draft.
   */
  async noteVersion(tenantId: string, workflowId: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.workflow(tenantId, workflowId),
          UpdateExpression: 'SET latestVersion = :v',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(latestVersion) OR latestVersion < :v)',
          ExpressionAttributeValues: { ':v': version },
        }),
      );
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
    }
  }

  /** The tenant's live drafts, newest first. */
  async list(tenantId: string, page: PageRequest = {}): Promise<Page<WorkflowRecord>> {
    const res = await queryPage(this.db, { tableName: this.tableName, index: GSI1, pk: keys.workflowsIndexPk(tenantId), forward: false, page });
    return { ...res, items: res.items.filter((i) => i.deletedAt === undefined).map((i) => strip<WorkflowRecord>(i, ...INTERNAL)) };
  }

  private async conditional(tenantId: string, workflowId: string, expectedRevision: number, u: ReturnType<typeof updateExpression>): Promise<WorkflowRecord> {
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.workflow(tenantId, workflowId),
          UpdateExpression: u.expression,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND revision = :expected',
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: { ...u.values, ':expected': expectedRevision },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<WorkflowRecord>(res.Attributes ?? {}, ...INTERNAL);
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const current = await this.get(tenantId, workflowId);
      throw new ConflictError(`workflow ${workflowId} is at revision ${current.revision}, not ${expectedRevision}: reload it and apply your change again`);
    }
  }
}
