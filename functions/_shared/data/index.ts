/**
 * The control-plane data layer: one repository per entity on the single Stepflow table.
 *
 * @example
 * ```ts
 * import { WorkflowRepository, ExecutionRepository } from '../_shared/data';
 * const workflows = new WorkflowRepository(doc, env.TABLE_NAME);
 * ```
 */
export * from './records';
export { keys, GSI1, TableKeys, DEFAULT_TENANT } from './keys';
export { TenantRepository } from './tenants';
export { WorkflowRepository, type NewWorkflow, type WorkflowPatch } from './workflows';
export { WorkflowVersionRepository, type PublishInput } from './versions';
export { AgentRepository } from './agents';
export { ExecutionRepository, type NewExecution, type ExecutionCompletion } from './executions';
export { NodeRunRepository, iterationKey, type NodeRunUpdate } from './node-runs';
export { ExecutionEventLog, type EventPage } from './event-log';
export { ConnectionRepository, CONNECTION_TTL_SECONDS } from './connections';
export { ApiKeyRepository, hashApiKey, API_KEY_PREFIX } from './api-keys';
export { AuditRepository, type NewAuditRecord } from './audit';
export { MAX_INLINE_BYTES } from './support';
