/**
 * Small builders for workflow graphs in tests: nodes as plain JSON (what the editor or a file
 * would send, unvalidated) and edges written as chains.
 *
 * @example
 * ```ts
 * const wf = workflow([n.start(), n.map('a'), n.end()], chain('start -> a -> end'));
 * // edges: [{ id: 'start-a', source: 'start', target: 'a' }, { id: 'a-end', source: 'a', target: 'end' }]
 * ```
 */
import type { Issue } from '@shared/issues';

export interface RawNode {
  id: string;
  type: string;
  config?: unknown;
  [key: string]: unknown;
}
export interface RawEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string;
  [key: string]: unknown;
}
export interface RawWorkflow {
  schemaVersion: number;
  metadata: { name: string; [key: string]: unknown };
  settings?: Record<string, unknown>;
  nodes: RawNode[];
  edges: RawEdge[];
}

/**
 * A condition comparison.
 * @example
 * ```ts
 * cmp('{{input.n}}', 'gt', 3) // { left: '{{input.n}}', op: 'gt', right: 3 }
 * ```
 */
export const cmp = (left: string, op: string, right?: string | number | boolean) => (right === undefined ? { left, op } : { left, op, right });

/**
 * Node builders (configs are the smallest valid ones unless given).
 * @example
 * ```ts
 * n.map('shape', { title: '{{input.title}}' }) // a mapping transform
 * n.cond('route', { urgent: cmp('{{input.priority}}', 'gt', 3) }) // rule "urgent"
 * ```
 */
export const n = {
  start: (id = 'start', config: Record<string, unknown> = {}): RawNode => ({ id, type: 'start', config }),
  end: (id = 'end', output?: Record<string, unknown>): RawNode => ({ id, type: 'end', config: output === undefined ? {} : { output } }),
  /** A transform in mapping mode (a Pass state). */
  map: (id: string, mapping: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): RawNode => ({ id, type: 'transform', ...extra, config: { mode: 'mapping', mapping } }),
  /** The built-in echo tool (a Lambda task). */
  echo: (id: string, message: unknown = 'hi', extra: Record<string, unknown> = {}): RawNode => ({ id, type: 'tool', ...extra, config: { kind: 'builtin', name: 'echo', args: { message } } }),
  llm: (id: string, prompt = 'hi'): RawNode => ({ id, type: 'llm', config: { models: [{ provider: 'local', model: 'scripted' }], prompt } }),
  cond: (id: string, rules: Record<string, unknown>, extra: Record<string, unknown> = {}): RawNode => ({
    id,
    type: 'condition',
    ...extra,
    config: { rules: Object.entries(rules).map(([ruleId, when]) => ({ id: ruleId, when })) },
  }),
  par: (id: string, extra: Record<string, unknown> = {}): RawNode => ({ id, type: 'parallel', ...extra, config: {} }),
  merge: (id: string): RawNode => ({ id, type: 'merge', config: {} }),
  forEach: (id: string, items: string, extra: Record<string, unknown> = {}): RawNode => ({ id, type: 'loop', config: { mode: 'for_each', items, ...extra } }),
  whileLoop: (id: string, condition: unknown, extra: Record<string, unknown> = {}): RawNode => ({ id, type: 'loop', config: { mode: 'while', condition, maxIterations: 3, ...extra } }),
  waitFor: (id: string, seconds: number): RawNode => ({ id, type: 'wait', config: { mode: 'duration', seconds } }),
  waitUntil: (id: string, timestamp: string): RawNode => ({ id, type: 'wait', config: { mode: 'until', timestamp } }),
  waitEvent: (id: string, eventName = 'approved', timeoutSeconds = 3600): RawNode => ({ id, type: 'wait', config: { mode: 'event', eventName, timeoutSeconds } }),
  human: (id: string, prompt = 'ok?'): RawNode => ({ id, type: 'human_input', config: { prompt, inputSchema: { type: 'object' } } }),
  sub: (id: string, workflowId = 'child'): RawNode => ({ id, type: 'subworkflow', config: { workflowId } }),
};

/**
 * Edges from chains: `'a -> b -> c'`; a handle sits on the source, `'c:yes -> x'`. A node in the
 * middle of a chain may carry the handle for its own outgoing edge: `'a -> c:yes -> x'`.
 * Each edge's id is `<source>-<target>` or `<source>:<handle>-<target>`.
 * @example
 * ```ts
 * chain('start -> c:yes -> end', 'c:default -> end')
 * // ids: start-c, c:yes-end, c:default-end
 * ```
 */
export function chain(...chains: string[]): RawEdge[] {
  const edges: RawEdge[] = [];
  for (const c of chains) {
    const tokens = c.split('->').map((t) => t.trim());
    for (let i = 0; i + 1 < tokens.length; i += 1) {
      const [source, handle] = (tokens[i] as string).split(':') as [string, string | undefined];
      const target = (tokens[i + 1] as string).split(':')[0] as string;
      edges.push({ id: handle ? `${source}:${handle}-${target}` : `${source}-${target}`, source, target, ...(handle ? { sourceHandle: handle } : {}) });
    }
  }
  return edges;
}

/**
 * A whole workflow document.
 * @example
 * ```ts
 * workflow([n.start(), n.end()], chain('start -> end'), { settings: { type: 'EXPRESS' } })
 * ```
 */
export function workflow(nodes: RawNode[], edges: RawEdge[], opts: { settings?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}): RawWorkflow {
  return {
    schemaVersion: 1,
    metadata: { name: 'test', ...opts.metadata },
    ...(opts.settings ? { settings: opts.settings } : {}),
    nodes,
    edges,
  };
}

/**
 * Where an issue points, without its message (what tests compare).
 * @example
 * ```ts
 * locationOf(r.issues[0]) // { code: 'SELF_LOOP', severity: 'error', nodeId: 'a', edgeId: 'a-a' }
 * ```
 */
export type IssueLocation = Pick<Issue, 'code' | 'severity'> & Partial<Pick<Issue, 'nodeId' | 'edgeId' | 'field'>>;

export function locationOf(i: Issue): IssueLocation {
  return {
    code: i.code,
    severity: i.severity,
    ...(i.nodeId === undefined ? {} : { nodeId: i.nodeId }),
    ...(i.edgeId === undefined ? {} : { edgeId: i.edgeId }),
    ...(i.field === undefined ? {} : { field: i.field }),
  };
}

const locationKey = (l: IssueLocation) => JSON.stringify([l.code, l.severity, l.nodeId ?? '', l.edgeId ?? '', l.field ?? '']);

/**
 * Locations in a stable order, for order-insensitive comparison.
 * @example
 * ```ts
 * expect(sortedLocations(r.issues.map(locationOf))).toEqual(sortedLocations(expected))
 * ```
 */
export function sortedLocations(list: readonly IssueLocation[]): IssueLocation[] {
  return [...list].sort((a, b) => locationKey(a).localeCompare(locationKey(b)));
}
