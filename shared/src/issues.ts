/**
 * Validation issues: what the compiler, the API and the editor report about a workflow.
 * Codes are stable (the editor and tests match on them); messages are for people.
 *
 * @example
 * ```ts
 * const issue: Issue = { code: 'CONDITION_NO_DEFAULT', severity: 'error', nodeId: 'route',
 *   message: 'condition "route" has no default edge: connect its "default" handle' };
 * ```
 */
import { z } from 'zod';

export const issueCodes = [
  // document shape
  'INVALID_JSON',
  'INVALID_WORKFLOW',
  'UNSUPPORTED_SCHEMA_VERSION',
  'TOO_LARGE',
  'TOO_DEEP',
  'INVALID_NODE',
  'INVALID_NODE_ID',
  'DUPLICATE_NODE_ID',
  'UNKNOWN_NODE_TYPE',
  'INVALID_CONFIG',
  'INVALID_EDGE',
  'DUPLICATE_EDGE_ID',
  'DUPLICATE_EDGE',
  // graph structure
  'NO_START',
  'MULTIPLE_STARTS',
  'START_HAS_INCOMING',
  'END_HAS_OUTGOING',
  'NO_END',
  'DANGLING_EDGE',
  'SELF_LOOP',
  'INVALID_HANDLE',
  'MULTIPLE_OUTGOING',
  'DEAD_END',
  'UNREACHABLE_NODE',
  'CYCLE',
  'SCOPE_CONFLICT',
  'CONDITION_NO_DEFAULT',
  'CONDITION_RULE_NO_EDGE',
  'PARALLEL_NO_BRANCHES',
  'PARALLEL_EMPTY_BRANCH',
  'PARALLEL_NO_MERGE',
  'MERGE_WITHOUT_PARALLEL',
  'LOOP_NO_BODY',
  'LOOP_NO_DONE',
  'LOOP_BODY_NOT_CLOSED',
  'LOOP_OUTPUT_AMBIGUOUS',
  'LOOP_OUTPUT_INVALID',
  'ERROR_EDGE_NOT_ALLOWED',
  // references
  'INVALID_REFERENCE',
  'UNKNOWN_REFERENCE',
  'REFERENCE_NO_OUTPUT',
  'REFERENCE_NOT_UPSTREAM',
  // settings and targets
  'EXPRESS_UNSUPPORTED_NODE',
  'EXPRESS_WAIT_TOO_LONG',
  'EXPRESS_TIMEOUT_TOO_LONG',
  'SUBWORKFLOW_SELF',
  'TIMEOUT_EXCEEDS_WORKFLOW',
  'TRIGGER_INPUT_MISMATCH',
  // output
  'ASL_INVALID',
  'ASL_TOO_LARGE',
] as const;
export type IssueCode = (typeof issueCodes)[number];

export const issueSchema = z.object({
  code: z.enum(issueCodes),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  /** Dotted path of the offending field inside the node or edge (e.g. `config.prompt`). */
  field: z.string().optional(),
});
export type Issue = z.infer<typeof issueSchema>;

/**
 * Builds an error-severity issue.
 * @example
 * ```ts
 * issue('SELF_LOOP', 'edge e3 connects node a to itself', { edgeId: 'e3', nodeId: 'a' })
 * ```
 */
export function issue(code: IssueCode, message: string, where: Pick<Issue, 'nodeId' | 'edgeId' | 'field'> = {}): Issue {
  return { code, severity: 'error', message, ...where };
}

/**
 * Builds a warning: reported, but the workflow still compiles.
 * @example
 * ```ts
 * warning('ASL_TOO_LARGE', 'definition is 1.2 MB; AWS accepts at most 1 MB')
 * ```
 */
export function warning(code: IssueCode, message: string, where: Pick<Issue, 'nodeId' | 'edgeId' | 'field'> = {}): Issue {
  return { code, severity: 'warning', message, ...where };
}

/**
 * Formats issues one per line, for the CLI and error messages.
 * @example
 * ```ts
 * formatIssues([issue('NO_START', 'no start node')]) // 'error NO_START: no start node'
 * ```
 */
export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => {
      const where = [i.nodeId && `node ${i.nodeId}`, i.edgeId && `edge ${i.edgeId}`, i.field && `field ${i.field}`].filter(Boolean).join(', ');
      return `${i.severity} ${i.code}${where ? ` [${where}]` : ''}: ${i.message}`;
    })
    .join('\n');
}
