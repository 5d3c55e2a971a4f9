/**
 * Parses untrusted input (an API body, a file, the editor's state) into a {@link Workflow}, or a
 * list of issues naming every node, edge and field that is wrong. Never throws, never recurses
 * on the input (deep documents cannot overflow the stack), and bounds the work it does.
 */
import type { z } from 'zod';
import { issue, type Issue, type IssueCode } from './issues';
import {
  nodeConfigSchemas,
  nodeIdSchema,
  WORKFLOW_SCHEMA_VERSION,
  workflowEdgeSchema,
  workflowMetadataSchema,
  workflowNodeSchema,
  WorkflowLimits,
  workflowSettingsSchema,
  type NodeType,
  type Workflow,
  type WorkflowEdge,
  type WorkflowNode,
} from './workflow';

/** What survives parsing even when parts are invalid: enough for graph checks. */
export interface WorkflowSkeleton {
  /** Nodes with a valid id and a known type (config may be invalid). */
  readonly nodes: ReadonlyArray<{ id: string; type: NodeType; node?: WorkflowNode }>;
  /** Edges that parsed. */
  readonly edges: readonly WorkflowEdge[];
  readonly settingsType: 'STANDARD' | 'EXPRESS';
}

export type ParseWorkflowResult =
  | { ok: true; workflow: Workflow; skeleton: WorkflowSkeleton; issues: Issue[] }
  | { ok: false; skeleton: WorkflowSkeleton | undefined; issues: Issue[] };

const MAX_ISSUES = 1000;

/**
 * Measures nesting depth and total size without recursion.
 * @returns the first limit broken, or undefined.
 */
export function checkDocumentBounds(value: unknown): { code: IssueCode; message: string } | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let visited = 0;
  const maxVisited = WorkflowLimits.maxNodes * 200;
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    visited += 1;
    if (visited > maxVisited) return { code: 'TOO_LARGE', message: `document has more than ${maxVisited} values` };
    if (depth > WorkflowLimits.maxDepth) {
      return { code: 'TOO_DEEP', message: `document nests deeper than ${WorkflowLimits.maxDepth} levels` };
    }
    if (typeof v === 'string' && v.length > WorkflowLimits.maxStringLength) {
      return { code: 'TOO_LARGE', message: `a string is longer than ${WorkflowLimits.maxStringLength} characters` };
    }
    if (Array.isArray(v)) {
      for (const c of v) stack.push([c, depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      for (const c of Object.values(v as Record<string, unknown>)) stack.push([c, depth + 1]);
    }
  }
  return undefined;
}

function pathToField(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${String(seg)}` : String(seg)), '');
}

function zodIssues(error: z.ZodError, code: IssueCode, where: { nodeId?: string; edgeId?: string }, prefix = ''): Issue[] {
  return error.issues.slice(0, 20).map((zi) => {
    const field = pathToField([...(prefix ? [prefix] : []), ...zi.path]);
    return issue(code, `${field || 'value'}: ${zi.message}`, { ...where, ...(field ? { field } : {}) });
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses a workflow document.
 *
 * @example
 * ```ts
 * const r = parseWorkflow(JSON.parse(text));
 * if (!r.ok) console.error(formatIssues(r.issues));
 * ```
 */
export function parseWorkflow(input: unknown): ParseWorkflowResult {
  const issues: Issue[] = [];
  if (!isRecord(input)) {
    return { ok: false, skeleton: undefined, issues: [issue('INVALID_WORKFLOW', 'a workflow must be a JSON object with schemaVersion, metadata, nodes and edges')] };
  }
  const bounds = checkDocumentBounds(input);
  if (bounds) return { ok: false, skeleton: undefined, issues: [issue(bounds.code, bounds.message)] };

  if (input.schemaVersion !== WORKFLOW_SCHEMA_VERSION) {
    issues.push(
      issue('UNSUPPORTED_SCHEMA_VERSION', `schemaVersion must be ${WORKFLOW_SCHEMA_VERSION}, received ${JSON.stringify(input.schemaVersion) ?? 'nothing'}`, {
        field: 'schemaVersion',
      }),
    );
  }
  const allowed = new Set(['schemaVersion', 'metadata', 'settings', 'nodes', 'edges']);
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) issues.push(issue('INVALID_WORKFLOW', `unknown top-level field "${key}"`, { field: key }));
  }
  const metadata = workflowMetadataSchema.safeParse(input.metadata);
  if (!metadata.success) issues.push(...zodIssues(metadata.error, 'INVALID_WORKFLOW', {}, 'metadata'));
  const settings = workflowSettingsSchema.safeParse(input.settings ?? {});
  if (!settings.success) issues.push(...zodIssues(settings.error, 'INVALID_WORKFLOW', {}, 'settings'));

  const rawNodes = input.nodes;
  const rawEdges = input.edges ?? [];
  if (!Array.isArray(rawNodes)) {
    issues.push(issue('INVALID_WORKFLOW', 'nodes must be an array of nodes', { field: 'nodes' }));
    return { ok: false, skeleton: undefined, issues };
  }
  if (!Array.isArray(rawEdges)) {
    issues.push(issue('INVALID_WORKFLOW', 'edges must be an array of edges', { field: 'edges' }));
    return { ok: false, skeleton: undefined, issues };
  }
  if (rawNodes.length > WorkflowLimits.maxNodes) {
    return { ok: false, skeleton: undefined, issues: [...issues, issue('TOO_LARGE', `a workflow has at most ${WorkflowLimits.maxNodes} nodes; this one has ${rawNodes.length}`, { field: 'nodes' })] };
  }
  if (rawEdges.length > WorkflowLimits.maxEdges) {
    return { ok: false, skeleton: undefined, issues: [...issues, issue('TOO_LARGE', `a workflow has at most ${WorkflowLimits.maxEdges} edges; this one has ${rawEdges.length}`, { field: 'edges' })] };
  }

  const skeletonNodes: Array<{ id: string; type: NodeType; node?: WorkflowNode }> = [];
  const nodes: WorkflowNode[] = [];
  const seenIds = new Set<string>();
  rawNodes.forEach((raw: unknown, index: number) => {
    const field = `nodes[${index}]`;
    if (!isRecord(raw)) {
      issues.push(issue('INVALID_NODE', `${field} must be an object with id, type and config`, { field }));
      return;
    }
    const idResult = nodeIdSchema.safeParse(raw.id);
    if (!idResult.success) {
      issues.push(issue('INVALID_NODE_ID', `${field}.id ${JSON.stringify(raw.id) ?? 'is missing'}: ${idResult.error.issues[0]?.message ?? 'invalid'}`, { field: `${field}.id` }));
      return;
    }
    const id = idResult.data;
    if (seenIds.has(id)) {
      issues.push(issue('DUPLICATE_NODE_ID', `node id "${id}" is used more than once`, { nodeId: id, field: 'id' }));
      return;
    }
    seenIds.add(id);
    const type = raw.type;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(nodeConfigSchemas, type)) {
      issues.push(
        issue('UNKNOWN_NODE_TYPE', `node "${id}" has type ${JSON.stringify(type) ?? 'missing'}; expected one of ${Object.keys(nodeConfigSchemas).join(', ')}`, {
          nodeId: id,
          field: 'type',
        }),
      );
      return;
    }
    const parsed = workflowNodeSchema.safeParse(raw);
    if (parsed.success) {
      nodes.push(parsed.data);
      skeletonNodes.push({ id, type: type as NodeType, node: parsed.data });
      return;
    }
    skeletonNodes.push({ id, type: type as NodeType });
    for (const zi of parsed.error.issues.slice(0, 20)) {
      const f = pathToField(zi.path);
      const code: IssueCode = zi.path[0] === 'config' || zi.path.length === 0 ? 'INVALID_CONFIG' : 'INVALID_NODE';
      const message = zi.path[0] === 'config' && zi.path.length === 1 && raw.config === undefined ? `node "${id}" (${type}) is missing its config` : `node "${id}" (${type}) ${f || 'value'}: ${zi.message}`;
      issues.push(issue(code, message, { nodeId: id, ...(f ? { field: f } : {}) }));
    }
  });

  const edges: WorkflowEdge[] = [];
  const seenEdgeIds = new Set<string>();
  rawEdges.forEach((raw: unknown, index: number) => {
    const parsed = workflowEdgeSchema.safeParse(raw);
    const edgeId = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, 'INVALID_EDGE', edgeId ? { edgeId } : {}, edgeId ? '' : `edges[${index}]`));
      return;
    }
    if (seenEdgeIds.has(parsed.data.id)) {
      issues.push(issue('DUPLICATE_EDGE_ID', `edge id "${parsed.data.id}" is used more than once`, { edgeId: parsed.data.id }));
      return;
    }
    seenEdgeIds.add(parsed.data.id);
    edges.push(parsed.data);
  });

  const settingsType = settings.success ? settings.data.type : 'STANDARD';
  const skeleton: WorkflowSkeleton = { nodes: skeletonNodes, edges, settingsType };
  if (rawNodes.length === 0) issues.push(issue('NO_START', 'the workflow has no nodes: add a start node', { field: 'nodes' }));

  const capped = issues.slice(0, MAX_ISSUES);
  if (capped.length > 0 || !metadata.success || !settings.success) return { ok: false, skeleton, issues: capped };
  const workflow: Workflow = {
    schemaVersion: WORKFLOW_SCHEMA_VERSION,
    metadata: metadata.data,
    settings: settings.data,
    nodes,
    edges,
  };
  return { ok: true, workflow, skeleton, issues: [] };
}
