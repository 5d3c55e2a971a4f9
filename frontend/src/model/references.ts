/**
 * References a node's fields may use: `{{input...}}` from the start node's input schema,
 * `{{nodes.<id>.output...}}` of every node upstream of it (with the fields its config says it
 * outputs) and `{{execution.id|name|startTime}}`. The compiler checks them for real
 * (REFERENCE_NOT_UPSTREAM etc.); this only offers what is likely to be right.
 */
import { nodeTypesWithOutput } from '@shared/workflow';
import type { StepEdge, StepNode } from './types';

export interface ReferenceSuggestion {
  /** The expression between `{{` and `}}`. */
  expression: string;
  /** Where it comes from, for the list. */
  detail: string;
}

/** Ids of every node with a path to `nodeId` (not including it). */
export function upstreamOf(nodeId: string, edges: readonly StepEdge[]): Set<string> {
  const incoming = new Map<string, string[]>();
  for (const e of edges) (incoming.get(e.target) ?? incoming.set(e.target, []).get(e.target) ?? []).push(e.source);
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    for (const s of incoming.get(id) ?? []) {
      if (!seen.has(s) && s !== nodeId) {
        seen.add(s);
        stack.push(s);
      }
    }
  }
  return seen;
}

function schemaPaths(schema: unknown, prefix: string, depth = 0): string[] {
  if (depth > 3 || schema === null || typeof schema !== 'object') return [];
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  if (!props) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    out.push(`${prefix}.${k}`);
    out.push(...schemaPaths(v, `${prefix}.${k}`, depth + 1));
  }
  return out;
}

/** The fields a node's config says its output has (beyond `output` itself). */
function outputPaths(node: StepNode): string[] {
  const base = `nodes.${node.id}.output`;
  const c = node.data.config;
  switch (node.data.type) {
    case 'llm':
      return c.outputSchema ? schemaPaths(c.outputSchema, base) : [`${base}.text`];
    case 'agent':
      return [`${base}.text`];
    case 'human_input':
      return schemaPaths(c.inputSchema, base);
    case 'transform':
      return c.mode === 'mapping' && c.mapping && typeof c.mapping === 'object' ? Object.keys(c.mapping).map((k) => `${base}.${k}`) : [];
    default:
      return [];
  }
}

/**
 * Every reference offered to `nodeId`.
 * @example
 * ```ts
 * suggestReferences('summarize', nodes, edges).map((s) => s.expression)
 * // ['input.topic', 'nodes.research.output', 'nodes.research.output.text', 'execution.id', ...]
 * ```
 */
export function suggestReferences(nodeId: string, nodes: readonly StepNode[], edges: readonly StepEdge[]): ReferenceSuggestion[] {
  const up = upstreamOf(nodeId, edges);
  const out: ReferenceSuggestion[] = [];
  const start = nodes.find((n) => n.data.type === 'start');
  out.push({ expression: 'input', detail: 'the execution input' });
  if (start) for (const p of schemaPaths(start.data.config.inputSchema, 'input')) out.push({ expression: p, detail: 'execution input' });
  for (const n of nodes) {
    if (!up.has(n.id) || !nodeTypesWithOutput.has(n.data.type) || n.data.type === 'start') continue;
    const label = n.data.label ?? n.id;
    out.push({ expression: `nodes.${n.id}.output`, detail: `${label} (${n.data.type})` });
    for (const p of outputPaths(n)) out.push({ expression: p, detail: `${label} (${n.data.type})` });
  }
  for (const f of ['id', 'name', 'startTime']) out.push({ expression: `execution.${f}`, detail: 'the execution' });
  return out;
}

/**
 * The unfinished reference before the caret (`Hello {{nodes.su` -> `nodes.su`), or undefined.
 * @example
 * ```ts
 * openReference('Hi {{inp', 8) // { start: 3, query: 'inp' }
 * ```
 */
export function openReference(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.indexOf('}}', open) >= 0) return undefined;
  const query = before.slice(open + 2).trim();
  if (/[^A-Za-z0-9_.[\]-]/.test(query)) return undefined;
  return { start: open, query };
}

/** Inserts a chosen reference in place of the unfinished one; returns the new text and caret. */
export function insertReference(text: string, caret: number, start: number, expression: string): { text: string; caret: number } {
  const after = text.slice(caret);
  const closing = after.startsWith('}}') ? 2 : 0;
  const inserted = `{{${expression}}}`;
  return { text: text.slice(0, start) + inserted + after.slice(closing), caret: start + inserted.length };
}
