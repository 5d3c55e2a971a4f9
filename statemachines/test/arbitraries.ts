/**
 * fast-check arbitraries for workflow graphs.
 *
 * - {@link structuredWorkflow}: well-formed graphs built from a random program (chains,
 *   conditions with a default, parallels with their merge, for_each and while loops, error
 *   edges, waits), using only transforms (mapping) and the built-in echo tool, so the local
 *   engine runs them deterministically. Every reference points at a node that has always run
 *   before, by construction, and every value it references resolves at run time.
 * - {@link junkWorkflow}: arbitrary nodes, edges, handles and configs.
 * - {@link mutatedWorkflow}: a structured graph with a few random edits (the nearest misses).
 */
import fc from 'fast-check';
import { nodeTypes } from '@shared/workflow';
import { cmp, n, type RawEdge, type RawNode, type RawWorkflow } from './builders';

// ---------------------------------------------------------------- the program

/** One step of a structured program. `picks` choose references among the available results. */
export type Item =
  | { readonly kind: 'task'; readonly tool: boolean; readonly catches: boolean; readonly picks: readonly number[] }
  | { readonly kind: 'cond'; readonly arms: readonly Block[]; readonly otherwise: Block; readonly picks: readonly number[] }
  | { readonly kind: 'par'; readonly branches: readonly Block[]; readonly catches: boolean }
  | { readonly kind: 'forEach'; readonly body: Block; readonly length: number; readonly concurrency: number }
  | { readonly kind: 'while'; readonly body: Block; readonly maxIterations: number }
  | { readonly kind: 'wait'; readonly seconds: number };
export type Block = readonly Item[];

const picks = fc.array(fc.nat(1000), { maxLength: 3 });
const task = fc.record({ kind: fc.constant('task' as const), tool: fc.boolean(), catches: fc.boolean(), picks });
const wait = fc.record({ kind: fc.constant('wait' as const), seconds: fc.constantFrom(0, 1) });

const program = fc.letrec<{ block: Block; arm: Block; item: Item }>((tie) => ({
  block: fc.array(tie('item'), { minLength: 1, maxLength: 3 }),
  arm: fc.array(tie('item'), { maxLength: 2 }),
  item: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'program', withCrossShrink: true },
    { arbitrary: task, weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('cond' as const), arms: fc.array(tie('arm'), { minLength: 1, maxLength: 3 }), otherwise: tie('arm'), picks }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('par' as const), branches: fc.array(tie('block'), { minLength: 1, maxLength: 3 }), catches: fc.boolean() }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('forEach' as const), body: tie('arm'), length: fc.nat(3), concurrency: fc.nat(3) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('while' as const), body: tie('arm'), maxIterations: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
    { arbitrary: wait, weight: 1 },
  ),
}));

// ---------------------------------------------------------------- program -> graph

interface Exit {
  readonly source: string;
  readonly handle?: string;
}

/** A result that has always run at a point, and how to reference it so the value exists. */
interface Available {
  readonly id: string;
  /** An exact reference (keeps its type), e.g. `{{nodes.t3}}`. */
  readonly exact: string;
  /** A reference to a string or number, usable inside text (States.Format takes scalars only). */
  readonly scalar?: string;
}

const input = (): Available[] => [
  { id: 'start', exact: '{{input}}', scalar: '{{input.name}}' },
  { id: 'start', exact: '{{input.n}}', scalar: '{{input.n}}' },
];

class GraphBuilder {
  readonly nodes: RawNode[] = [];
  readonly edges: RawEdge[] = [];
  private nodeCount = 0;
  private edgeCount = 0;

  id(prefix: string): string {
    this.nodeCount += 1;
    return `${prefix}${this.nodeCount}`;
  }

  edge(source: string, target: string, handle?: string): void {
    this.edgeCount += 1;
    this.edges.push({ id: `e${this.edgeCount}`, source, target, ...(handle ? { sourceHandle: handle } : {}) });
  }

  connect(exits: readonly Exit[], target: string): void {
    for (const x of exits) this.edge(x.source, target, x.handle);
  }

  /** A mapping built from picks: exact references, text with scalar references, lists. */
  private values(avail: readonly Available[], chosen: readonly number[]): Record<string, unknown> {
    const mapping: Record<string, unknown> = { k: 'v' };
    chosen.forEach((p, i) => {
      const a = avail[p % avail.length] as Available;
      const scalars = avail.filter((x) => x.scalar !== undefined);
      const s = scalars[p % scalars.length] as Available;
      const shape = p % 4;
      if (shape === 0) mapping[`r${i}`] = a.exact;
      else if (shape === 1) mapping[`r${i}`] = `it's {${i}}: ${s.scalar as string} and {{execution.name}}`;
      else if (shape === 2) mapping[`r${i}`] = [a.exact, 'x', i, true, null];
      else mapping[`r${i}`] = { nested: a.exact, n: i };
    });
    return mapping;
  }

  block(items: Block, avail: readonly Available[]): { entry: string; exits: Exit[]; avail: Available[] } {
    let current = [...avail];
    let entry: string | undefined;
    let exits: Exit[] = [];
    for (const it of items) {
      const r = this.item(it, current);
      if (entry === undefined) entry = r.entry;
      else this.connect(exits, r.entry);
      exits = r.exits;
      current = r.avail;
    }
    return { entry: entry as string, exits, avail: current };
  }

  /** A possibly empty block whose exits come from `from` (with `handle`) when it is empty. */
  private arm(items: Block, avail: readonly Available[], from: string, handle?: string): Exit[] {
    if (items.length === 0) return [{ source: from, ...(handle ? { handle } : {}) }];
    const r = this.block(items, avail);
    this.edge(from, r.entry, handle);
    return r.exits;
  }

  item(it: Item, avail: readonly Available[]): { entry: string; exits: Exit[]; avail: Available[] } {
    switch (it.kind) {
      case 'task': {
        const id = this.id('t');
        const mapping = this.values(avail, it.picks);
        this.nodes.push(it.tool ? n.echo(id, mapping) : n.map(id, mapping));
        const self: Available = { id, exact: `{{nodes.${id}}}` };
        const exits: Exit[] = [{ source: id }];
        // Only a Task can catch (a mapping transform is a Pass state).
        if (it.catches && it.tool) {
          // On the error path `$.nodes.<id>` holds { Error, Cause }: the handler can read it.
          const h = this.id('h');
          this.nodes.push(n.map(h, { failed: `{{nodes.${id}}}` }));
          this.edge(id, h, 'error');
          exits.push({ source: h });
        }
        return { entry: id, exits, avail: [...avail, self] };
      }
      case 'cond': {
        const id = this.id('c');
        const rules: Record<string, unknown> = {};
        it.arms.forEach((_, i) => {
          const p = it.picks[i] ?? i;
          const a = avail[p % avail.length] as Available;
          const tests = [
            cmp('{{input.n}}', 'eq', i),
            cmp(a.exact, 'exists'),
            { not: cmp('{{input.name}}', 'matches', `*${i}`) },
            { any: [cmp('{{input.n}}', 'gt', '{{input.n}}'), cmp(a.exact, 'is_null')] },
          ];
          rules[`r${i}`] = tests[p % tests.length];
        });
        this.nodes.push(n.cond(id, rules));
        const exits = it.arms.flatMap((arm, i) => this.arm(arm, avail, id, `r${i}`));
        exits.push(...this.arm(it.otherwise, avail, id, 'default'));
        return { entry: id, exits, avail: [...avail] };
      }
      case 'par': {
        const id = this.id('p');
        const m = this.id('m');
        this.nodes.push(n.par(id));
        const lifted: Available[] = [];
        for (const b of it.branches) {
          const r = this.block(b, avail);
          this.edge(id, r.entry);
          this.connect(r.exits, m);
          // A branch's first node runs before the branch ends, so its result survives the merge.
          const first = r.avail.find((a) => a.id === r.entry);
          if (first) lifted.push(first);
        }
        this.nodes.push(n.merge(m));
        const exits: Exit[] = [{ source: m }];
        if (it.catches) {
          const h = this.id('h');
          this.nodes.push(n.map(h, { name: '{{input.name}}' }));
          this.edge(id, h, 'error');
          exits.push({ source: h });
          // With an error edge joining later, no branch result is certain after the join.
          return { entry: id, exits, avail: [...avail] };
        }
        return { entry: id, exits, avail: [...avail, ...lifted] };
      }
      case 'forEach': {
        const src = this.id('s');
        const id = this.id('l');
        const collect = this.id('k');
        this.nodes.push(n.map(src, { list: Array.from({ length: it.length }, (_, i) => i) }));
        this.nodes.push(n.forEach(id, `{{nodes.${src}.output.list}}`, { maxConcurrency: it.concurrency }));
        this.edge(src, id);
        const inside: Available[] = [...avail, { id: src, exact: `{{nodes.${src}.output}}` }, { id, exact: `{{nodes.${id}.item}}`, scalar: `{{nodes.${id}.index}}` }];
        const exits = this.arm(it.body, inside, id, 'body');
        this.nodes.push(n.map(collect, { item: `{{nodes.${id}.item}}`, index: `{{nodes.${id}.index}}` }));
        this.connect(exits, collect);
        this.edge(collect, id);
        return { entry: src, exits: [{ source: id, handle: 'done' }], avail: [...avail, { id: src, exact: `{{nodes.${src}}}` }, { id, exact: `{{nodes.${id}.output}}` }] };
      }
      case 'while': {
        const id = this.id('w');
        const collect = this.id('k');
        this.nodes.push(n.whileLoop(id, cmp(`{{nodes.${collect}.output.n}}`, 'lt', it.maxIterations), { maxIterations: it.maxIterations }));
        const inside: Available[] = [...avail, { id, exact: `{{nodes.${id}}}`, scalar: `{{nodes.${id}.iteration}}` }];
        const exits = this.arm(it.body, inside, id, 'body');
        this.nodes.push(n.map(collect, { n: `{{nodes.${id}.iteration}}` }));
        this.connect(exits, collect);
        this.edge(collect, id);
        return { entry: id, exits: [{ source: id, handle: 'done' }], avail: [...avail, { id, exact: `{{nodes.${id}.output}}`, scalar: `{{nodes.${id}.iteration}}` }] };
      }
      case 'wait': {
        const id = this.id('d');
        this.nodes.push(n.waitFor(id, it.seconds));
        return { entry: id, exits: [{ source: id }], avail: [...avail] };
      }
    }
  }
}

/**
 * Turns a program into a workflow: start -> program -> end (whose output reads some results).
 * @example
 * ```ts
 * buildWorkflow([{ kind: 'wait', seconds: 0 }]) // start -> d1 -> end
 * ```
 */
export function buildWorkflow(block: Block, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): RawWorkflow {
  const g = new GraphBuilder();
  g.nodes.push(n.start());
  const r = g.block(block, input());
  g.edge('start', r.entry);
  const last = r.avail[r.avail.length - 1] as Available;
  g.nodes.push(n.end('end', { last: last.exact, name: '{{input.name}}' }));
  g.connect(r.exits, 'end');
  return { schemaVersion: 1, metadata: { name: 'generated' }, settings: { type }, nodes: g.nodes, edges: g.edges };
}

/**
 * Well-formed workflows, built from random programs.
 * @example
 * ```ts
 * fc.assert(fc.property(structuredWorkflow, (wf) => expect(compile(wf).ok).toBe(true)))
 * ```
 */
export const structuredWorkflow: fc.Arbitrary<RawWorkflow> = fc
  .tuple(program.block, fc.constantFrom<'STANDARD' | 'EXPRESS'>('STANDARD', 'EXPRESS'))
  .map(([block, type]) => buildWorkflow(block, type));

// ---------------------------------------------------------------- junk

const idPool = ['start', 'end', 'a', 'b', 'c', 'p', 'm', 'l', 'w', '1st', '__proto__', 'constructor', 'toString', '', 'x'.repeat(70)];
const handlePool = ['error', 'default', 'body', 'done', 'out', 'r0', 'yes', '', '__proto__'];
const anyId = fc.oneof(fc.constantFrom(...idPool), fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 }));

/** Configs that are nearly right for some node type, or anything at all. */
const configArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ mode: fc.constantFrom('mapping', 'jsonata', 'for_each', 'while', 'duration', 'until', 'event', 'bogus'), mapping: fc.dictionary(fc.string({ maxLength: 4 }), fc.constantFrom('{{input.x}}', '{{nodes.a.output}}', '{{nodes.}}', 'x', 1)) }, { requiredKeys: ['mode'] }),
  fc.record({ kind: fc.constantFrom('builtin', 'lambda', 'mcp', 'ftp'), name: fc.constantFrom('echo', ''), args: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.record({ rules: fc.array(fc.record({ id: fc.constantFrom('r0', 'yes', 'default', 'error', '1'), when: fc.oneof(fc.constant(cmp('{{input.x}}', 'exists')), fc.jsonValue({ maxDepth: 2 })) }), { maxLength: 3 }) }),
  fc.record({ mode: fc.constantFrom('for_each', 'while'), items: fc.constantFrom('{{input.list}}', '{{nodes.a.output}}', 'list'), condition: fc.constant(cmp('{{nodes.a.output}}', 'exists')), maxIterations: fc.integer({ min: -1, max: 3 }), output: fc.constantFrom('a', 'b', 'ghost') }, { requiredKeys: ['mode'] }),
  fc.record({ mode: fc.constantFrom('duration', 'until', 'event'), seconds: fc.integer({ min: -5, max: 400 }), timestamp: fc.constantFrom('2030-01-01T00:00:00Z', '{{input.t}}', 'soon'), eventName: fc.constant('go'), timeoutSeconds: fc.integer({ min: 0, max: 400 }) }, { requiredKeys: ['mode'] }),
);

const junkNode: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.record({ id: anyId, type: fc.oneof(fc.constantFrom(...nodeTypes), fc.constantFrom('email', 'Start', ''), fc.anything({ maxDepth: 1 })), config: configArb, label: fc.string({ maxLength: 5 }), retry: fc.record({ maxAttempts: fc.integer({ min: -1, max: 11 }) }), timeoutSeconds: fc.integer({ min: 0, max: 400 }) }, { requiredKeys: ['id', 'type'] }), weight: 8 },
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
);

const junkEdge: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record(
      { id: fc.oneof(fc.constantFrom('e1', 'e2', 'e3', 'e4', '__proto__', ''), fc.string({ maxLength: 6 })), source: anyId, target: anyId, sourceHandle: fc.constantFrom(...handlePool), errors: fc.array(fc.constantFrom('all', 'tool', 'timeout', 'nope'), { maxLength: 2 }) },
      { requiredKeys: ['id', 'source', 'target'] },
    ),
    weight: 8,
  },
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
);

/**
 * Documents with random nodes, edges, handles and configs (mostly invalid).
 * @example
 * ```ts
 * fc.assert(fc.property(junkWorkflow, (input) => void compile(input)))
 * ```
 */
export const junkWorkflow: fc.Arbitrary<unknown> = fc.record(
  {
    schemaVersion: fc.constantFrom<unknown>(1, 1, 1, 2, '1'),
    metadata: fc.oneof(fc.constant<unknown>({ name: 'junk' }), fc.constant<unknown>({ name: 'junk', id: 'a' }), fc.anything({ maxDepth: 1 })),
    settings: fc.oneof(fc.constant<unknown>({ type: 'EXPRESS' }), fc.constant<unknown>({ type: 'STANDARD', timeoutSeconds: 30 }), fc.anything({ maxDepth: 1 })),
    nodes: fc.array(junkNode, { maxLength: 12 }),
    edges: fc.array(junkEdge, { maxLength: 16 }),
  },
  { requiredKeys: ['schemaVersion', 'metadata', 'nodes'] },
);

// ---------------------------------------------------------------- near misses

type Mutation =
  | { kind: 'dropEdge'; at: number }
  | { kind: 'dropNode'; at: number }
  | { kind: 'retarget'; at: number; to: number }
  | { kind: 'rehandle'; at: number; handle: string | undefined }
  | { kind: 'addEdge'; from: number; to: number; handle: string | undefined }
  | { kind: 'duplicateNode'; at: number }
  | { kind: 'retype'; at: number; type: string }
  | { kind: 'reconfigure'; at: number; config: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('dropEdge' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropNode' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('retarget' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('rehandle' as const), at: fc.nat(), handle: fc.constantFrom(undefined, ...handlePool) }),
  fc.record({ kind: fc.constant('addEdge' as const), from: fc.nat(), to: fc.nat(), handle: fc.constantFrom(undefined, ...handlePool) }),
  fc.record({ kind: fc.constant('duplicateNode' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat(), type: fc.constantFrom(...nodeTypes, 'email') }),
  fc.record({ kind: fc.constant('reconfigure' as const), at: fc.nat(), config: configArb }),
);

function mutate(wf: RawWorkflow, mutations: readonly Mutation[]): RawWorkflow {
  const out = structuredClone(wf);
  const pick = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
  mutations.forEach((mu, k) => {
    switch (mu.kind) {
      case 'dropEdge':
        if (out.edges.length > 0) out.edges.splice(mu.at % out.edges.length, 1);
        break;
      case 'dropNode':
        if (out.nodes.length > 0) out.nodes.splice(mu.at % out.nodes.length, 1);
        break;
      case 'retarget': {
        const e = pick(out.edges, mu.at);
        const t = pick(out.nodes, mu.to);
        if (e && t) e.target = t.id;
        break;
      }
      case 'rehandle': {
        const e = pick(out.edges, mu.at);
        if (e) {
          if (mu.handle === undefined) delete e.sourceHandle;
          else e.sourceHandle = mu.handle;
        }
        break;
      }
      case 'addEdge': {
        const s = pick(out.nodes, mu.from);
        const t = pick(out.nodes, mu.to);
        if (s && t) out.edges.push({ id: `x${k}`, source: s.id, target: t.id, ...(mu.handle === undefined ? {} : { sourceHandle: mu.handle }) });
        break;
      }
      case 'duplicateNode': {
        const node = pick(out.nodes, mu.at);
        if (node) out.nodes.push(structuredClone(node));
        break;
      }
      case 'retype': {
        const node = pick(out.nodes, mu.at);
        if (node) node.type = mu.type;
        break;
      }
      case 'reconfigure': {
        const node = pick(out.nodes, mu.at);
        if (node) node.config = mu.config;
        break;
      }
    }
  });
  return out;
}

/**
 * A structured workflow with one to three random edits.
 * @example
 * ```ts
 * fc.sample(mutatedWorkflow, 1)[0] // e.g. a well-formed graph with one edge retargeted
 * ```
 */
export const mutatedWorkflow: fc.Arbitrary<RawWorkflow> = fc
  .tuple(structuredWorkflow, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([wf, mutations]) => mutate(wf, mutations));
