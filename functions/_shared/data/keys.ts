/**
 * Every key pattern of Stepflow's single DynamoDB table, in one place. Items are addressed by
 * `pk`/`sk` strings; `gsi1pk`/`gsi1sk` serve listings; `ttl` (epoch seconds) expires items.
 * Readers must still filter expired items themselves: DynamoDB deletes them up to days late.
 */

/** Attribute names of the table (the CDK stack creates it with these). */
export const TableKeys = { pk: 'pk', sk: 'sk', gsi1pk: 'gsi1pk', gsi1sk: 'gsi1sk', ttl: 'ttl' } as const;
export const GSI1 = 'gsi1';

const seg = (s: string) => s.replace(/#/g, '%23');

export const keys = {
  /** Token and cost totals of one execution (the budget ledger). */
  usage: (executionId: string) => ({ pk: `EXEC#${seg(executionId)}`, sk: 'USAGE' }),
  /** A callback task waiting for an answer (human input, pause gate, external event). */
  callback: (executionId: string, requestId: string) => ({ pk: `EXEC#${seg(executionId)}`, sk: `CALLBACK#${seg(requestId)}` }),
  callbackPrefix: (executionId: string) => ({ pk: `EXEC#${seg(executionId)}`, skPrefix: 'CALLBACK#' }),
  /** One message of an agent session's memory, in order. */
  memoryMessage: (tenantId: string, sessionId: string, seq: number) => ({ pk: `MEM#${seg(tenantId)}#${seg(sessionId)}`, sk: `MSG#${String(seq).padStart(10, '0')}` }),
  memoryPartition: (tenantId: string, sessionId: string) => `MEM#${seg(tenantId)}#${seg(sessionId)}`,
  /** The running summary and message counter of an agent session. */
  memoryHead: (tenantId: string, sessionId: string) => ({ pk: `MEM#${seg(tenantId)}#${seg(sessionId)}`, sk: 'HEAD' }),
  /** A registered agent definition. */
  agent: (tenantId: string, agentId: string) => ({ pk: `TENANT#${seg(tenantId)}`, sk: `AGENT#${seg(agentId)}` }),
  /** All agents of a tenant (query `pk` with `begins_with(sk, skPrefix)`, ordered by id). */
  agentPrefix: (tenantId: string) => ({ pk: `TENANT#${seg(tenantId)}`, skPrefix: 'AGENT#' }),

  // ---- Control plane. Every tenant-owned item carries the tenant in its partition key, so an id
  // ---- of another tenant addresses a different (absent) item: a 404, never a leak.

  /** A tenant's profile; `gsi1` lists all tenants, oldest first. */
  tenant: (tenantId: string) => ({ pk: `TENANT#${seg(tenantId)}`, sk: 'PROFILE' }),
  tenantsIndex: (createdAt: string, tenantId: string) => ({ gsi1pk: 'TENANTS', gsi1sk: `${createdAt}#${seg(tenantId)}` }),
  tenantsIndexPk: () => 'TENANTS',

  /** A workflow draft (the editable graph with its `revision`). */
  workflow: (tenantId: string, workflowId: string) => ({ pk: `TENANT#${seg(tenantId)}`, sk: `WF#${seg(workflowId)}` }),
  /** `gsi1` entry listing a tenant's live drafts newest first (removed on delete). */
  workflowsIndex: (tenantId: string, createdAt: string, workflowId: string) => ({ gsi1pk: `TENANT#${seg(tenantId)}#WORKFLOWS`, gsi1sk: `${createdAt}#${seg(workflowId)}` }),
  workflowsIndexPk: (tenantId: string) => `TENANT#${seg(tenantId)}#WORKFLOWS`,
  /** The partition of one workflow's published versions and its execution pointers. */
  workflowPartition: (tenantId: string, workflowId: string) => `TENANT#${seg(tenantId)}#WF#${seg(workflowId)}`,
  /** An immutable published version; the zero-padded number sorts numerically. */
  workflowVersion: (tenantId: string, workflowId: string, version: number) => ({ pk: `TENANT#${seg(tenantId)}#WF#${seg(workflowId)}`, sk: `V#${String(version).padStart(10, '0')}` }),
  workflowVersionPrefix: (tenantId: string, workflowId: string) => ({ pk: `TENANT#${seg(tenantId)}#WF#${seg(workflowId)}`, skPrefix: 'V#' }),
  /** Immutable pointer listing a workflow's executions newest first (the record itself is `execution`). */
  workflowExecution: (tenantId: string, workflowId: string, startedAt: string, executionId: string) => ({ pk: `TENANT#${seg(tenantId)}#WF#${seg(workflowId)}`, sk: `EXEC#${startedAt}#${seg(executionId)}` }),
  workflowExecutionPrefix: (tenantId: string, workflowId: string) => ({ pk: `TENANT#${seg(tenantId)}#WF#${seg(workflowId)}`, skPrefix: 'EXEC#' }),

  /** The partition of one execution: its record, node runs, event log and subscriptions. */
  executionPartition: (tenantId: string, executionId: string) => `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`,
  /**
   * Which tenant an execution belongs to, by execution id alone: Step Functions' own status
   * events and runtime events name only the execution, and the fan-out must find its partition.
   */
  executionTenant: (executionId: string) => ({ pk: `EXEC#${seg(executionId)}`, sk: 'TENANT' }),
  /** An execution's record (status, input, output, totals). */
  execution: (tenantId: string, executionId: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, sk: 'META' }),
  /** `gsi1` entry of an execution under its current status, newest first; moves with each transition. */
  executionsByStatus: (tenantId: string, status: string, startedAt: string, executionId: string) => ({ gsi1pk: `TENANT#${seg(tenantId)}#EXECST#${status}`, gsi1sk: `${startedAt}#${seg(executionId)}` }),
  executionsByStatusPk: (tenantId: string, status: string) => `TENANT#${seg(tenantId)}#EXECST#${status}`,
  /** Claims an execution idempotency key for one execution (expires with `ttl`). */
  executionIdempotency: (tenantId: string, idempotencyKey: string) => ({ pk: `TENANT#${seg(tenantId)}#IDEM#${seg(idempotencyKey)}`, sk: 'IDEM' }),
  /** One node's run inside an execution; `iteration` is the loop indices joined by `.` (`-` outside loops). */
  nodeRun: (tenantId: string, executionId: string, nodeId: string, iteration: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, sk: `NODE#${seg(nodeId)}#${seg(iteration)}` }),
  nodeRunPrefix: (tenantId: string, executionId: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, skPrefix: 'NODE#' }),
  /** The event with sequence number `seq` (1-based, contiguous, zero-padded to sort). */
  executionEvent: (tenantId: string, executionId: string, seq: number) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, sk: `EVT#${String(seq).padStart(10, '0')}` }),
  /** Marker de-duplicating an event id and binding it to its sequence number. */
  executionEventId: (tenantId: string, executionId: string, eventId: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, sk: `EVTID#${seg(eventId)}` }),
  /** A WebSocket connection subscribed to this execution (the execution-to-connections direction). */
  executionSubscriber: (tenantId: string, executionId: string, connectionId: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, sk: `SUB#${seg(connectionId)}` }),
  executionSubscriberPrefix: (tenantId: string, executionId: string) => ({ pk: `TENANT#${seg(tenantId)}#EXEC#${seg(executionId)}`, skPrefix: 'SUB#' }),

  /**
   * A WebSocket connection. Keyed by connection id alone (the exception to "tenant in every key"):
   * `$disconnect` knows nothing else. The item records its tenant and readers check it.
   */
  connection: (connectionId: string) => ({ pk: `CONN#${seg(connectionId)}`, sk: 'CONN' }),
  /** The connection-to-executions direction of a subscription, for cleanup on disconnect. */
  connectionSubscription: (connectionId: string, tenantId: string, executionId: string) => ({ pk: `CONN#${seg(connectionId)}`, sk: `SUB#${seg(tenantId)}#${seg(executionId)}` }),
  connectionSubscriptionPrefix: (connectionId: string) => ({ pk: `CONN#${seg(connectionId)}`, skPrefix: 'SUB#' }),

  /**
   * An API key found by the SHA-256 hex of its secret (the secret itself is never stored). Keyed
   * by hash alone: a request presents only the key; the item names its tenant.
   */
  apiKeyHash: (sha256Hex: string) => ({ pk: `APIKEY#${sha256Hex}`, sk: 'APIKEY' }),
  /** The tenant's view of an API key (metadata, no hash), for listing and revoking. */
  apiKey: (tenantId: string, keyId: string) => ({ pk: `TENANT#${seg(tenantId)}`, sk: `APIKEY#${seg(keyId)}` }),
  apiKeyPrefix: (tenantId: string) => ({ pk: `TENANT#${seg(tenantId)}`, skPrefix: 'APIKEY#' }),

  /** One audit record; the sort key starts with the ISO time so a query lists newest first. */
  audit: (tenantId: string, at: string, auditId: string) => ({ pk: `TENANT#${seg(tenantId)}#AUDIT`, sk: `${at}#${seg(auditId)}` }),
  auditPartition: (tenantId: string) => `TENANT#${seg(tenantId)}#AUDIT`,
} as const;

/** The tenant runtimes use when a workflow was compiled without one (local runs). */
export const DEFAULT_TENANT = 'local';
