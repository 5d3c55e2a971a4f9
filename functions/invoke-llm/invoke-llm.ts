/**
 * The llm runtime: renders the node's prompt templates, calls the model chain (Bedrock Converse,
 * OpenAI-compatible endpoints or the local model, with fallback), streams deltas as `log`
 * events, and for structured output validates the reply against the node's JSON Schema with one
 * repair attempt before failing clearly.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import type { ModelRef } from '@shared/node-config/common';
import { llmConfigSchema } from '@shared/node-config/llm';
import type { Emit } from '../_shared/emit';
import { checkJsonSchema, describeSchemaErrors } from '../_shared/json-schema';
import { callModel, modelLabel, UsageMeter, type ModelCallDeps } from '../_shared/model-calls';
import { textOf, type ChatMessage, type ChatModel } from '../_shared/models/types';

export interface InvokeLlmDeps extends ModelCallDeps {
  /** Builds the fallback chain for the node's models. */
  readonly models: (refs: readonly ModelRef[]) => ChatModel;
  readonly emit: Emit;
  readonly signal?: AbortSignal;
}

/**
 * The llm node's output for plain replies (what `{{nodes.<id>.output...}}` sees). With an
 * outputSchema, the output is the validated JSON value itself (`{{nodes.<id>.output.<field>}}`).
 */
export interface LlmTextOutput {
  readonly text: string;
  readonly stopReason: string;
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Extracts a JSON value from a reply, tolerating a fenced code block around it. */
export function parseJsonReply(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const candidate = (fenced?.[1] ?? text).trim();
  try {
    return { ok: true, value: JSON.parse(candidate) };
  } catch (err) {
    return { ok: false, error: `the reply is not JSON (${(err as Error).message})` };
  }
}

/**
 * @example
 * ```ts
 * const { output, usage } = await invokeLlm(invocation, { models, ledger, pricing, emit });
 * ```
 */
export async function invokeLlm(invocation: NodeInvocation, deps: InvokeLlmDeps): Promise<NodeResult> {
  const parsed = llmConfigSchema.safeParse(invocation.config);
  if (!parsed.success) throw new NodeError(ErrorNames.Validation, `llm node "${invocation.node.id}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const config = parsed.data;
  const scope = scopeOf(invocation);
  const prompt = asText(renderValue(config.prompt, scope));
  let system = config.system === undefined ? undefined : asText(renderValue(config.system, scope));
  if (config.outputSchema) {
    const instruction = `Reply with only a JSON value (no prose, no code fences) that matches this JSON Schema:\n${JSON.stringify(config.outputSchema)}`;
    system = system ? `${system}\n\n${instruction}` : instruction;
  }
  const model = deps.models(config.models);
  const meter = new UsageMeter();
  const nodeId = invocation.node.id;
  const onDelta = config.stream
    ? (text: string) => void deps.emit({ type: 'log', node_id: nodeId, level: 'debug', message: text, data: { stream: true, model: modelLabel(model.identity), simulated: model.identity.simulated } })
    : undefined;
  const messages: ChatMessage[] = [{ role: 'user', content: [{ text: prompt }] }];
  const call = (msgs: readonly ChatMessage[]) =>
    callModel(
      model,
      {
        ...(system === undefined ? {} : { system }),
        messages: msgs,
        ...(config.maxTokens === undefined ? {} : { maxTokens: config.maxTokens }),
        ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
        context: { nodeId, executionId: invocation.execution.id },
      },
      deps,
      { executionId: invocation.execution.id, ...(invocation.budget ? { budget: invocation.budget } : {}), meter, options: { ...(deps.signal ? { signal: deps.signal } : {}), ...(onDelta ? { onDelta } : {}) } },
    );

  let response = await call(messages);
  let text = textOf(response.content);
  let data: unknown;
  if (config.outputSchema) {
    const first = validateReply(text, config.outputSchema);
    if (first.ok) data = first.value;
    else {
      await deps.emit({ type: 'log', node_id: nodeId, level: 'warn', message: `reply did not match the output schema (${first.error}); asking the model to repair it once`, data: { model: modelLabel(response.model) } });
      const repair: ChatMessage[] = [
        ...messages,
        { role: 'assistant', content: [{ text: text || '(empty reply)' }] },
        { role: 'user', content: [{ text: `Your reply was not valid: ${first.error}. Reply again with only the corrected JSON value that matches the schema.` }] },
      ];
      response = await call(repair);
      text = textOf(response.content);
      const second = validateReply(text, config.outputSchema);
      if (!second.ok) {
        throw new NodeError(ErrorNames.Validation, `llm node "${nodeId}": the model's reply did not match outputSchema after one repair attempt: ${second.error}`, { retryable: false });
      }
      data = second.value;
    }
  }
  const output: LlmTextOutput | unknown = config.outputSchema ? data : { text, stopReason: response.stopReason };
  return { output, usage: meter.toEventUsage(), model: { label: modelLabel(response.model), simulated: response.model.simulated } };
}

function validateReply(text: string, schema: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  const parsed = parseJsonReply(text);
  if (!parsed.ok) return parsed;
  const check = checkJsonSchema(schema, parsed.value);
  return check.ok ? { ok: true, value: parsed.value } : { ok: false, error: describeSchemaErrors(check.errors) };
}
