/**
 * TEST DOUBLES for the AI runtimes (llm, agent) and the sandboxed code runtime.
 *
 * The real runtimes arrive with a later issue (Bedrock Converse with a provider fallback chain, a
 * bounded ReAct agent loop, an isolated code sandbox). Until then, these small deterministic
 * stand-ins let the example workflows run end to end in the local engine, through the same
 * `lambda:invoke` payload contract a deployed runtime receives (shared/runtime.ts): they parse the
 * invocation, render its config with the upstream results it carries, and reply.
 *
 * - llm: the reply scripted for the node id (a value, a function of the rendered call, or a list
 *   consumed one per call whose last entry repeats). Unscripted plain-text nodes answer
 *   `{ text: "<model>: <rendered prompt>" }`, so a test can see exactly what the prompt rendered
 *   to; unscripted nodes with an `outputSchema` fail (a structured answer must be scripted), and
 *   scripted structured answers must carry the schema's required top-level keys.
 * - agent: the scripted answer for the node id; unscripted agents answer
 *   `{ answer: "<role>: <rendered prompt>", steps: 1 }`.
 * - code: evaluates the node's source as `async function main(inputs)` with `node:vm` in a fresh
 *   context, bounded by `timeoutMs` for its synchronous part. This is NOT a security sandbox: it
 *   only runs the trusted sources of the examples. A script entry for the node id replaces it.
 *
 * A reply that is (or resolves to) an `Error` is thrown instead, so a test can make a node fail.
 * Every call is recorded (node id, runtime, rendered config), so tests can assert what ran.
 *
 * @example
 * ```ts
 * const doubles = new ScriptedRuntimes({ llm: { classify: { priority: 'high', category: 'billing', summary: 'x' } } });
 * const engine = new LocalEngine({ runtimes: defaultRuntimes().with(doubles.handlers()), waitMs: 0, retryDelayMs: 0 });
 * ```
 */
import vm from 'node:vm';
import { ErrorNames, NodeError } from '@shared/errors';
import { nodeInvocationSchema, scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import type { NodeHandler } from '../../local/engine';

/** One recorded call of a scripted runtime. */
export interface ScriptedCall {
  readonly runtime: 'llm' | 'agent' | 'code';
  readonly nodeId: string;
  /** 1 for the node's first call through this instance, then 2, 3, ... (retries, loop passes). */
  readonly callNumber: number;
  /** The node's config with every template rendered. */
  readonly config: Record<string, unknown>;
  readonly invocation: NodeInvocation;
}

/**
 * A scripted reply: the output itself, an Error to throw, or a function of the call that returns
 * (or resolves to) either.
 */
export type ScriptedReply = unknown | ((call: ScriptedCall) => unknown);

/** Replies by node id; a list is consumed one entry per call, and its last entry repeats. */
export type ReplyScript = Readonly<Record<string, ScriptedReply | readonly ScriptedReply[]>>;

export interface Script {
  readonly llm?: ReplyScript;
  readonly agent?: ReplyScript;
  readonly code?: ReplyScript;
}

const words = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length;

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The LLM, agent and code runtimes as deterministic, scripted test doubles. */
export class ScriptedRuntimes {
  readonly calls: ScriptedCall[] = [];

  constructor(private readonly script: Script = {}) {}

  /** Handlers to register with the local engine (`defaultRuntimes().with(doubles.handlers())`). */
  handlers(): { llm: NodeHandler; agent: NodeHandler; code: NodeHandler } {
    return {
      llm: async (event) => this.llm(this.record('llm', event)),
      agent: async (event) => this.agent(this.record('agent', event)),
      code: async (event) => this.code(this.record('code', event)),
    };
  }

  /** Recorded calls of one node, in order. */
  callsOf(nodeId: string): ScriptedCall[] {
    return this.calls.filter((c) => c.nodeId === nodeId);
  }

  private record(runtime: ScriptedCall['runtime'], event: unknown): ScriptedCall {
    const invocation = nodeInvocationSchema.parse(event);
    const scope = scopeOf(invocation);
    // Code sources are never templates; render only what a real code runtime would render.
    const config =
      runtime === 'code'
        ? { ...invocation.config, inputs: renderValue(invocation.config.inputs ?? {}, scope) }
        : asRecord(renderValue(invocation.config, scope));
    const callNumber = this.calls.filter((c) => c.runtime === runtime && c.nodeId === invocation.node.id).length + 1;
    const call: ScriptedCall = { runtime, nodeId: invocation.node.id, callNumber, config, invocation };
    this.calls.push(call);
    return call;
  }

  /** The scripted reply for a call; `found` is false when the node has no script. */
  private async scripted(call: ScriptedCall): Promise<{ found: boolean; value?: unknown }> {
    const table = this.script[call.runtime];
    if (!table || !Object.prototype.hasOwnProperty.call(table, call.nodeId)) return { found: false };
    const entry = table[call.nodeId];
    const reply = Array.isArray(entry) ? entry[Math.min(call.callNumber, entry.length) - 1] : entry;
    const value: unknown = typeof reply === 'function' ? await (reply as (c: ScriptedCall) => unknown)(call) : reply;
    if (value instanceof Error) throw value;
    return { found: true, value };
  }

  private async llm(call: ScriptedCall): Promise<NodeResult> {
    const prompt = String(call.config.prompt ?? '');
    const models = Array.isArray(call.config.models) ? (call.config.models as Array<{ model?: string }>) : [];
    const schema = asRecord(call.config.outputSchema);
    const reply = await this.scripted(call);
    let output: unknown;
    if (call.config.outputSchema !== undefined) {
      if (!reply.found) {
        throw new NodeError(ErrorNames.Validation, `llm node "${call.nodeId}" has an outputSchema but the test scripted no JSON reply for it`);
      }
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const missing = required.filter((k) => !(k in asRecord(reply.value)));
      if (missing.length > 0) {
        throw new NodeError(ErrorNames.Validation, `scripted reply of llm node "${call.nodeId}" lacks required keys: ${missing.join(', ')}`);
      }
      output = reply.value;
    } else {
      output = reply.found ? reply.value : { text: `${models[0]?.model ?? 'model'}: ${prompt}` };
    }
    const replyText = typeof output === 'string' ? output : JSON.stringify(output);
    return { output, usage: { input_tokens: words(prompt), output_tokens: words(replyText), cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0 } };
  }

  private async agent(call: ScriptedCall): Promise<NodeResult> {
    const reply = await this.scripted(call);
    const output = reply.found ? reply.value : { answer: `${String(call.config.role ?? 'agent')}: ${String(call.config.prompt ?? '')}`, steps: 1 };
    return { output };
  }

  private async code(call: ScriptedCall): Promise<NodeResult> {
    const reply = await this.scripted(call);
    if (reply.found) return { output: reply.value };
    const source = String(call.config.source ?? '');
    const timeoutMs = typeof call.config.timeoutMs === 'number' ? call.config.timeoutMs : 2000;
    // JSON round trip: the code sees plain data, as it would after crossing a Lambda boundary.
    const inputs: unknown = JSON.parse(JSON.stringify(call.config.inputs ?? {}));
    let script: vm.Script;
    try {
      script = new vm.Script(`(async function main(inputs) {\n${source}\n})(inputs)`, { filename: `${call.nodeId}.js` });
    } catch (err) {
      throw new NodeError(ErrorNames.Code, `code node "${call.nodeId}" does not compile: ${(err as Error).message}`);
    }
    try {
      // The timeout bounds the synchronous part of main (the only part the examples have).
      const result: unknown = await (script.runInNewContext({ inputs }, { timeout: timeoutMs }) as Promise<unknown>);
      return { output: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown) };
    } catch (err) {
      throw new NodeError(ErrorNames.Code, `code node "${call.nodeId}" threw: ${(err as Error).message ?? String(err)}`);
    }
  }
}
