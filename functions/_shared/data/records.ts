/**
 * The records the control-plane repositories store and return (DynamoDB key attributes stripped).
 * One interface per entity; the repositories beside this file own reading and writing them.
 *
 * @example
 * ```ts
 * import type { WorkflowRecord } from './records';
 * const label = (w: WorkflowRecord) => `${w.name} (rev ${w.revision})`;
 * ```
 */
import type { AgentDefinition } from '@shared/agents';
import type { Role } from '@shared/auth';
import type { ExecutionStatus, LifecycleEvent } from '@shared/events';
import type { Workflow } from '@shared/workflow';

/** One page of a listing; pass `cursor` back to get the next page (absent on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

/** Paging options of every listing. `cursor` is opaque (from a previous `Page`). */
export interface PageRequest {
  /** At most this many items (default 50, capped at 200). Expired items may make a page shorter. */
  readonly limit?: number;
  readonly cursor?: string;
}

/** A reference to a JSON document kept in S3 because it is too large for an item. */
export interface S3Ref {
  readonly bucket: string;
  readonly key: string;
  readonly bytes?: number;
}

export interface TenantRecord {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface WorkflowRecord {
  readonly tenantId: string;
  readonly workflowId: string;
  readonly name: string;
  readonly description?: string;
  readonly graph: Workflow;
  /** Optimistic-concurrency counter: 1 on create, +1 on each update. */
  readonly revision: number;
  /** Highest published version (absent before the first publish). */
  readonly latestVersion?: number;
  readonly createdAt: string;
  readonly createdBy?: string;
  readonly updatedAt: string;
  readonly updatedBy?: string;
}

export interface WorkflowVersionRecord {
  readonly tenantId: string;
  readonly workflowId: string;
  /** 1, 2, 3 ... allocated without gaps or duplicates. */
  readonly version: number;
  readonly graph: Workflow;
  /** The compiled state machine definition, when small enough to keep inline. */
  readonly asl?: Record<string, unknown>;
  /** Where the compiled definition lives when it is too large for an item. */
  readonly aslRef?: S3Ref;
  readonly stateMachineArn: string;
  readonly versionArn?: string;
  /** The draft revision this version was published from. */
  readonly sourceRevision?: number;
  readonly publishedAt: string;
  readonly publishedBy: string;
}

export interface AgentRecord {
  readonly tenantId: string;
  readonly agentId: string;
  readonly definition: AgentDefinition;
  /** 1 on register, +1 on each replace. The fields below are absent on items the agent runtime's own `put` wrote. */
  readonly revision?: number;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** Every status an execution record can hold: the two live ones and the final ones. */
export type ExecutionRecordStatus = 'RUNNING' | 'PAUSED' | ExecutionStatus;

export interface UsageTotalsRecord {
  readonly tokens: number;
  readonly costUsd: number;
}

export interface ExecutionRecord {
  readonly tenantId: string;
  /** The state machine execution ARN, or a local id. */
  readonly executionId: string;
  readonly workflowId: string;
  readonly version: number;
  readonly name?: string;
  readonly status: ExecutionRecordStatus;
  readonly input?: unknown;
  readonly inputRef?: S3Ref;
  readonly output?: unknown;
  readonly outputRef?: S3Ref;
  readonly error?: { readonly name: string; readonly message: string };
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly durationMs?: number;
  readonly totals?: UsageTotalsRecord;
  /** Someone asked to pause; the runtime pauses at its next gate. */
  readonly pauseRequested: boolean;
  readonly idempotencyKey?: string;
  readonly updatedAt: string;
}

export type NodeRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** What a node run carries besides its identity and status (shared by records and updates). */
export interface NodeRunData {
  readonly durationMs?: number;
  readonly input?: unknown;
  readonly inputRef?: S3Ref;
  readonly output?: unknown;
  readonly outputRef?: S3Ref;
  readonly tokens?: { readonly input: number; readonly output: number; readonly costUsd: number };
  readonly error?: { readonly name: string; readonly message: string };
}

export interface NodeRunRecord extends NodeRunData {
  readonly tenantId: string;
  readonly executionId: string;
  readonly nodeId: string;
  /** Loop indices, outermost first; empty outside loops. */
  readonly iteration: number[];
  readonly nodeType?: string;
  readonly status: NodeRunStatus;
  /** The attempt this status belongs to (1-based). */
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly updatedAt: string;
}

/** An event of an execution's log with its position. */
export interface ExecutionEventRecord {
  readonly seq: number;
  readonly eventId: string;
  readonly event: LifecycleEvent;
}

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The caller's roles at connect time (what the connection may do). */
  readonly roles?: readonly string[];
  readonly connectedAt: string;
  /** Epoch seconds after which the connection is treated as gone. */
  readonly ttl: number;
}

/** API keys carry one of the same roles people have (see shared/src/auth.ts). */
export type ApiKeyRole = Role;

/** An API key as its tenant sees it: never the secret, never its hash. */
export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly keyId: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  readonly tenantId: string;
  readonly auditId: string;
  /** Who acted: a user id or `apikey:<keyId>`. */
  readonly actor: string;
  /** What was done, e.g. `workflow.update`. */
  readonly action: string;
  /** What it was done to, e.g. `workflow/wf-1`. */
  readonly target: string;
  readonly at: string;
  readonly requestId: string;
  readonly outcome: AuditOutcome;
  readonly detail?: string;
}
