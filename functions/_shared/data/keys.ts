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
} as const;

/** The tenant runtimes use when a workflow was compiled without one (local runs). */
export const DEFAULT_TENANT = 'local';
