/**
 * Published workflow versions: immutable snapshots of a draft with its compiled state machine.
 *
 * Version numbers are allocated by a conditional put of `V#<n>` where n is one above the highest
 * existing version: two publishers racing for the same n see exactly one succeed; the other
 * retries with the next number, so numbers are unique and gap-free without a transaction.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import type { Workflow } from '@shared/workflow';
import { keys } from './keys';
import type { Page, PageRequest, S3Ref, WorkflowVersionRecord } from './records';
import { assertInline, isConditionalFailure, isLive, queryPage, strip } from './support';
import { WorkflowRepository } from './workflows';

export interface PublishInput {
  readonly graph: Workflow;
  /** The compiled definition inline (when under ~350 KB), or `aslRef` — exactly one. */
  readonly asl?: Record<string, unknown>;
  readonly aslRef?: S3Ref;
  readonly stateMachineArn: string;
  readonly versionArn?: string;
  readonly sourceRevision?: number;
  readonly publishedBy: string;
}

/** Publishers racing for a number give up after this many lost races (a sign of a stuck loop). */
const MAX_ALLOCATION_ATTEMPTS = 100;

/**
 * Versions on `TENANT#<t>#WF#<id>` / `V#<n>`.
 * @example
 * ```ts
 * const versions = new WorkflowVersionRepository(doc, 'stepflow');
 * const v = await versions.publish('t1', 'wf-1', { graph, asl, stateMachineArn, publishedBy: 'u1' });
 * const latest = await versions.latest('t1', 'wf-1');
 * ```
 */
export class WorkflowVersionRepository {
  private readonly workflows: WorkflowRepository;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.workflows = new WorkflowRepository(db, tableName);
  }

  /** Publishes the next version of a live draft (NotFoundError when the draft does not exist). */
  async publish(tenantId: string, workflowId: string, input: PublishInput, at: Date = new Date()): Promise<WorkflowVersionRecord> {
    if ((input.asl === undefined) === (input.aslRef === undefined)) throw new ValidationError('pass exactly one of asl (inline) and aslRef (S3)');
    assertInline('asl', input.asl, 'aslRef');
    assertInline('graph', input.graph, 'a smaller graph');
    await this.workflows.get(tenantId, workflowId);
    let next = ((await this.latest(tenantId, workflowId))?.version ?? 0) + 1;
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const record: WorkflowVersionRecord = {
        tenantId,
        workflowId,
        version: next,
        graph: input.graph,
        ...(input.asl !== undefined ? { asl: input.asl } : {}),
        ...(input.aslRef !== undefined ? { aslRef: input.aslRef } : {}),
        stateMachineArn: input.stateMachineArn,
        ...(input.versionArn !== undefined ? { versionArn: input.versionArn } : {}),
        ...(input.sourceRevision !== undefined ? { sourceRevision: input.sourceRevision } : {}),
        publishedAt: at.toISOString(),
        publishedBy: input.publishedBy,
      };
      try {
        await this.db.send(
          new PutCommand({ TableName: this.tableName, Item: { ...keys.workflowVersion(tenantId, workflowId, next), ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (!isConditionalFailure(err)) throw err;
        // Lost the race for this number: the winner's item now exists, so the next one is free.
        next += 1;
        continue;
      }
      await this.workflows.noteVersion(tenantId, workflowId, next);
      return record;
    }
    throw new ConflictError(`could not allocate a version number for workflow ${workflowId} after ${MAX_ALLOCATION_ATTEMPTS} attempts: retry the publish`);
  }

  async find(tenantId: string, workflowId: string, version: number): Promise<WorkflowVersionRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.workflowVersion(tenantId, workflowId, version), ConsistentRead: true }));
    return isLive(res.Item) ? strip<WorkflowVersionRecord>(res.Item, 'ttl') : undefined;
  }

  /** One version, or NotFoundError. */
  async get(tenantId: string, workflowId: string, version: number): Promise<WorkflowVersionRecord> {
    const v = await this.find(tenantId, workflowId, version);
    if (!v) throw new NotFoundError(`workflow ${workflowId} has no version ${version}`);
    return v;
  }

  /** The highest version, or undefined before the first publish. */
  async latest(tenantId: string, workflowId: string): Promise<WorkflowVersionRecord | undefined> {
    const k = keys.workflowVersionPrefix(tenantId, workflowId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: false, page: { limit: 1 } });
    const item = res.items[0];
    return item ? strip<WorkflowVersionRecord>(item, 'ttl') : undefined;
  }

  /** Versions, newest first. */
  async list(tenantId: string, workflowId: string, page: PageRequest = {}): Promise<Page<WorkflowVersionRecord>> {
    const k = keys.workflowVersionPrefix(tenantId, workflowId);
    const res = await queryPage(this.db, { tableName: this.tableName, pk: k.pk, skPrefix: k.skPrefix, forward: false, page });
    return { ...res, items: res.items.map((i) => strip<WorkflowVersionRecord>(i, 'ttl')) };
  }
}
