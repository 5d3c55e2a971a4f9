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
  /** The workflow's `settings.timeoutSeconds`, when set and valid. */
  readonly timeoutSeconds?: number;
}

export type ParseWorkflowResult =
  | { ok: true; workflow: Workflow; skeleton: WorkflowSkeleton; issues: Issue[] }
  | { ok: false; skeleton: WorkflowSkeleton | undefined; issues: Issue[] };

const MAX_ISSUES = 1000;

/**
 * Measures nesting depth and total size without recursion, and checks that every value is one
 * JSON can hold (a BigInt, a function, a symbol, NaN or Infinity is not).
 * @returns the first limit broken, or undefined.
 * @example
 * ```ts
 * checkDocumentBounds({ a: [1, 'x'] }) // undefined
 * checkDocumentBounds({ a: 1n }) // { code: 'INVALID_JSON', message: 'the document holds a bigint ...' }
 * ```
 */
export function checkDocumentBounds(value: unknown): { code: IssueCode; message: string } | undefined {
  // Two parallel stacks (values, depths) and indexed loops: this walks up to millions of values,
  // and per-value tuples or iterators cost several times more.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let visited = 0;
  const maxVisited = WorkflowLimits.maxNodes * 200;
  const tooMany = { code: 'TOO_LARGE', message: `document has more than ${maxVisited} values` } as const;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() as number;
    visited += 1;
    if (visited > maxVisited) return tooMany;
    if (depth > WorkflowLimits.maxDepth) {
      return { code: 'TOO_DEEP', message: `document nests deeper than ${WorkflowLimits.maxDepth} levels` };
    }
    if (typeof v === 'string') {
      if (v.length > WorkflowLimits.maxStringLength) return { code: 'TOO_LARGE', message: `a string is longer than ${WorkflowLimits.maxStringLength} characters` };
      continue;
    }
    const kind = typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol' ? `a ${typeof v}` : undefined;
    if (kind !== undefined) {
      return { code: 'INVALID_JSON', message: `the document holds ${kind}, which JSON cannot represent: use only objects, arrays, strings, finite numbers, booleans and null` };
    }
    // Children are counted before they are pushed: one huge (or sparse) array must not fill the
    // stack, and the memory, before the limit is seen.
    if (Array.isArray(v)) {
      if (visited + values.length + v.length > maxVisited) return tooMany;
      for (let i = 0; i < v.length; i += 1) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (visited + values.length + keys.length > maxVisited) return tooMany;
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i] as string;
        if (k.length > WorkflowLimits.maxStringLength) return { code: 'TOO_LARGE', message: `a key is longer than ${WorkflowLimits.maxStringLength} characters` };
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** Text cut short for a message (a received key or value can be megabytes long). */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A received value as a message shows it: JSON, cut short. */
function preview(value: unknown): string {
  try {
    return clip(JSON.stringify(value) ?? String(value));
  } catch {
    return typeof value;
  }
}

/**
 * Finds an own `__proto__` key (as `JSON.parse` creates it): zod drops such keys from records and
 * assignment turns them into a prototype, so the value would silently vanish from the ASL.
 * @returns the dotted field of the first one, or undefined.
 */
function findProtoKey(value: unknown, base: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, base]];
  while (stack.length > 0) {
    const [v, field] = stack.pop() as [unknown, string];
    if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, `${field}[${i}]`]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v as Record<string, unknown>)) {
        if (k === '__proto__') return `${field}.${k}`;
        stack.push([c, `${field}.${k}`]);
      }
    }
  }
  return undefined;
}

function pathToField(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${String(seg)}` : String(seg)), '');
}

/**
 * Zod's issues, one per offending field: an unknown key is reported at the key itself (zod puts
 * it on the enclosing object), so the editor can mark the field that has to go.
 */
function fieldIssues(error: z.ZodError): Array<{ path: PropertyKey[]; message: string }> {
  return error.issues.slice(0, 20).flatMap((zi) =>
    zi.code === 'unrecognized_keys' ? zi.keys.map((k) => ({ path: [...zi.path, k], message: `unknown field ${preview(k)}` })) : [{ path: [...zi.path], message: zi.message }],
  );
}

function zodIssues(error: z.ZodError, code: IssueCode, where: { nodeId?: string; edgeId?: string }, prefix = ''): Issue[] {
  return fieldIssues(error).map((zi) => {
    const field = pathToField([...(prefix ? [prefix] : []), ...zi.path]);
    return issue(code, `${clip(field) || 'value'}: ${zi.message}`, { ...where, ...(field ? { field } : {}) });
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
      issue('UNSUPPORTED_SCHEMA_VERSION', `schemaVersion must be ${WORKFLOW_SCHEMA_VERSION}, received ${input.schemaVersion === undefined ? 'nothing' : preview(input.schemaVersion)}`, {
        field: 'schemaVersion',
      }),
    );
  }
  const allowed = new Set(['schemaVersion', 'metadata', 'settings', 'nodes', 'edges']);
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) issues.push(issue('INVALID_WORKFLOW', `unknown top-level field ${preview(key)}`, { field: key }));
  }
  const metadata = workflowMetadataSchema.safeParse(input.metadata);
  if (!metadata.success) issues.push(...zodIssues(metadata.error, 'INVALID_WORKFLOW', {}, 'metadata'));
  const settings = workflowSettingsSchema.safeParse(input.settings ?? {});
  if (!settings.success) issues.push(...zodIssues(settings.error, 'INVALID_WORKFLOW', {}, 'settings'));
  const settingsProto = findProtoKey(input.settings, 'settings');
  if (settingsProto !== undefined) issues.push(issue('INVALID_WORKFLOW', `${settingsProto}: the key "__proto__" is not allowed`, { field: settingsProto }));

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
      issues.push(issue('INVALID_NODE_ID', `${field}.id ${raw.id === undefined ? 'is missing' : preview(raw.id)}: ${idResult.error.issues[0]?.message ?? 'invalid'}`, { field: `${field}.id` }));
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
        issue('UNKNOWN_NODE_TYPE', `node "${id}" has type ${type === undefined ? 'missing' : preview(type)}; expected one of ${Object.keys(nodeConfigSchemas).join(', ')}`, {
          nodeId: id,
          field: 'type',
        }),
      );
      return;
    }
    const protoField = findProtoKey(raw.config, 'config');
    if (protoField !== undefined) {
      issues.push(issue('INVALID_CONFIG', `node "${id}" (${type}) ${protoField}: the key "__proto__" is not allowed (it would be dropped or become the object's prototype)`, { nodeId: id, field: protoField }));
      skeletonNodes.push({ id, type: type as NodeType });
      return;
    }
    const parsed = workflowNodeSchema.safeParse(raw);
    if (parsed.success) {
      nodes.push(parsed.data);
      skeletonNodes.push({ id, type: type as NodeType, node: parsed.data });
      return;
    }
    skeletonNodes.push({ id, type: type as NodeType });
    for (const zi of fieldIssues(parsed.error)) {
      const f = pathToField(zi.path);
      const code: IssueCode = zi.path[0] === 'config' || zi.path.length === 0 ? 'INVALID_CONFIG' : 'INVALID_NODE';
      const message = zi.path[0] === 'config' && zi.path.length === 1 && raw.config === undefined ? `node "${id}" (${type}) is missing its config` : `node "${id}" (${type}) ${clip(f) || 'value'}: ${zi.message}`;
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
  const timeoutSeconds = settings.success ? settings.data.timeoutSeconds : undefined;
  const skeleton: WorkflowSkeleton = { nodes: skeletonNodes, edges, settingsType, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) };
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
