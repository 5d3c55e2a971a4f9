/**
 * The OpenAI-compatible adapter of the model port: `POST {baseUrl}/chat/completions`, as served by
 * OpenAI, Ollama (`http://host:11434/v1`), vLLM, LiteLLM and most LLM gateways.
 *
 * The port is shaped like Bedrock Converse, so this module translates both ways: tool results
 * become `tool` role messages, tool uses become `tool_calls` with JSON argument strings, and the
 * answer's argument strings are parsed back (a malformed one is kept as `{ _raw }`, never thrown).
 */
import * as z from 'zod/mini';
import '@shared/zod-en';
import { errorText, networkErrorCode, providerError } from './provider-error';
import { isRawToolInput, parseToolInput } from './tool-input';
import {
  ProviderError,
  textOf,
  type ChatModel,
  type ChatOptions,
  type ChatRequest,
  type ChatResponse,
  type ContentBlock,
  type ModelIdentity,
  type ProviderErrorKind,
  type StopReason,
  type TokenUsage,
} from './types';

/** Options of {@link OpenAICompatibleModel}. */
export interface OpenAICompatibleOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`. */
  readonly baseUrl: string;
  /** The model name the endpoint knows (e.g. `gpt-4o-mini`, `llama3.1:8b`). */
  readonly model: string;
  /**
   * Sent as `Authorization: Bearer <key>`; a function is called on the first request (and its
   * result kept), so a secret is only fetched when the model is actually used.
   * @default no Authorization header (local servers such as Ollama need none)
   */
  readonly apiKey?: string | (() => Promise<string>);
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Limit for the whole call, streaming included; exceeding it is a `timeout` ProviderError. */
  readonly timeoutMs: number;
}

/** The wire shapes we send. */
type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };
interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The request body of `POST /chat/completions`. */
export interface ChatCompletionsBody {
  model: string;
  messages: WireMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }>;
  max_tokens?: number;
  temperature?: number;
  stop?: string[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

const toolResultText = (content: ReadonlyArray<{ text: string } | { json: unknown }>): string =>
  content.map((c) => ('text' in c ? c.text : JSON.stringify(c.json))).join('\n');

/**
 * Maps a port request to a chat-completions body.
 *
 * @example
 * ```ts
 * toChatCompletionsBody('llama3', { system: 'Be brief.', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }, false)
 * // { model: 'llama3', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }
 * ```
 */
export function toChatCompletionsBody(model: string, request: ChatRequest, stream: boolean): ChatCompletionsBody {
  const messages: WireMessage[] = [];
  if (request.system !== undefined && request.system !== '') messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) {
    if (message.role === 'assistant') {
      const toolCalls: WireToolCall[] = [];
      for (const block of message.content) {
        if (!('toolUse' in block)) continue;
        const { toolUseId, name, input } = block.toolUse;
        // A malformed call is replayed verbatim, so the model sees exactly what it produced.
        const args = isRawToolInput(input) ? input._raw : JSON.stringify(input ?? {});
        toolCalls.push({ id: toolUseId, type: 'function', function: { name, arguments: args } });
      }
      const text = textOf(message.content);
      messages.push({ role: 'assistant', content: text === '' ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) });
      continue;
    }
    // Tool results must directly follow the assistant message that called the tools.
    let results = 0;
    for (const block of message.content) {
      if (!('toolResult' in block)) continue;
      const { toolUseId, content, status } = block.toolResult;
      const text = toolResultText(content);
      messages.push({ role: 'tool', tool_call_id: toolUseId, content: status === 'error' ? `Error: ${text}` : text });
      results++;
    }
    const text = textOf(message.content);
    if (text !== '' || results === 0) messages.push({ role: 'user', content: text });
  }
  const body: ChatCompletionsBody = { model, messages };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.inputSchema },
    }));
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) body.stop = [...request.stopSequences];
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

const usageSchema = z.nullish(
  z.object({
    prompt_tokens: z.optional(z.number()),
    completion_tokens: z.optional(z.number()),
    prompt_tokens_details: z.nullish(z.object({ cached_tokens: z.nullish(z.number()) })),
  }),
);

/** Ollama's /v1 sends arguments as a string like OpenAI; some servers send the object itself. */
const argumentsSchema = z.nullish(z.union([z.string(), z.record(z.string(), z.unknown())]));

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.nullish(z.string()),
          tool_calls: z.nullish(z.array(z.object({ id: z.nullish(z.string()), function: z.object({ name: z.string(), arguments: argumentsSchema }) }))),
        }),
        finish_reason: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
  usage: usageSchema,
});

const chunkSchema = z.object({
  choices: z.nullish(
    z.array(
      z.object({
        delta: z.nullish(
          z.object({
            content: z.nullish(z.string()),
            tool_calls: z.nullish(
              z.array(
                z.object({
                  index: z.optional(z.number()),
                  id: z.nullish(z.string()),
                  function: z.nullish(z.object({ name: z.nullish(z.string()), arguments: argumentsSchema })),
                }),
              ),
            ),
          }),
        ),
        finish_reason: z.nullish(z.string()),
      }),
    ),
  ),
  usage: usageSchema,
  error: z.optional(z.unknown()),
});

/**
 * OpenAI counts cached tokens inside `prompt_tokens`; Bedrock (and our TokenUsage) counts them
 * apart. Subtracting keeps one convention, so a cost is never charged twice for the same tokens.
 */
function toUsage(usage: z.infer<typeof usageSchema>): TokenUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached),
    outputTokens: usage?.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

/**
 * Maps `finish_reason`. Some servers (Ollama among them) answer `stop` even when the message
 * carries tool calls; the calls are what the agent must act on, so they win.
 */
export function toStopReason(reason: string | null | undefined, hasToolCalls: boolean): StopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'content_filtered';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    default:
      return hasToolCalls ? 'tool_use' : 'end_turn';
  }
}

const toolInputOf = (args: string | Record<string, unknown> | null | undefined): unknown =>
  typeof args === 'string' ? parseToolInput(args) : (args ?? {});

/**
 * Classifies an HTTP status of a failed call.
 *
 * @example
 * ```ts
 * kindOfStatus(429) // 'throttled'
 * ```
 */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'throttled';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status === 401 || status === 403) return 'auth';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'validation';
  return 'unknown';
}

/** The most useful message in an error body: OpenAI's `{ error: { message } }`, or the text. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.error !== null && typeof parsed.error === 'object') {
      const message = (parsed.error as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: fall through to the raw text (an HTML error page from a proxy, say).
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/**
 * A {@link ChatModel} served by an OpenAI-compatible chat-completions endpoint.
 *
 * @example
 * ```ts
 * const model = new OpenAICompatibleModel({ baseUrl: 'http://localhost:11434/v1', model: 'llama3.1:8b', timeoutMs: 60_000 });
 * const res = await model.converse({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
 * ```
 */
export class OpenAICompatibleModel implements ChatModel {
  readonly identity: ModelIdentity;
  private readonly url: string;
  private readonly fetchImpl: typeof globalThis.fetch;
  private apiKey: Promise<string> | string | undefined;
  private readonly apiKeySource: OpenAICompatibleOptions['apiKey'];

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.identity = { provider: 'openai_compatible', model: options.model, simulated: false };
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.apiKeySource = options.apiKey;
  }

  async converse(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    const stream = options.onDelta !== undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
    const apiKey = await this.resolveApiKey();
    if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
    try {
      const res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(toChatCompletionsBody(this.options.model, request, stream)),
        signal,
      });
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        throw providerError(kindOfStatus(res.status), this.identity, `HTTP ${res.status} from ${this.url}: ${errorDetail(body)}`);
      }
      return options.onDelta !== undefined ? await this.readStream(res, options.onDelta) : await this.readCompletion(res);
    } catch (err) {
      throw this.classify(err, timeout, options.signal);
    }
  }

  private async resolveApiKey(): Promise<string | undefined> {
    if (this.apiKeySource === undefined) return undefined;
    if (this.apiKey === undefined) {
      this.apiKey = typeof this.apiKeySource === 'string' ? this.apiKeySource : this.apiKeySource();
    }
    try {
      return await this.apiKey;
    } catch (err) {
      // Forget the failed lookup so the next call tries again.
      this.apiKey = undefined;
      throw providerError('auth', this.identity, `could not read the API key: ${errorText(err)}`, { cause: err });
    }
  }

  private classify(err: unknown, timeout: AbortSignal, callerSignal: AbortSignal | undefined): ProviderError {
    if (err instanceof ProviderError) return err;
    if (timeout.aborted) {
      return providerError('timeout', this.identity, `no complete answer within ${this.options.timeoutMs} ms from ${this.url}`, { cause: err });
    }
    if (callerSignal?.aborted === true) return providerError('timeout', this.identity, 'the call was aborted by the caller', { cause: err });
    const network = networkErrorCode(err);
    if (network !== undefined) {
      return providerError('unavailable', this.identity, `cannot reach ${this.url} (${network}): ${errorText(err)}`, { cause: err });
    }
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return providerError('timeout', this.identity, errorText(err), { cause: err });
    }
    return providerError('unknown', this.identity, errorText(err), { cause: err });
  }

  /** A 200 whose body is not a completion means the endpoint is not working: another model may be. */
  private malformed(what: string, cause?: unknown): ProviderError {
    return providerError('unavailable', this.identity, `${this.url} answered with ${what}`, cause === undefined ? {} : { cause });
  }

  private async readCompletion(res: Response): Promise<ChatResponse> {
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw this.malformed(`a body that is not JSON: ${errorDetail(text)}`, err);
    }
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) throw this.malformed(`an unexpected completion shape: ${z.prettifyError(parsed.error)}`);
    const choice = parsed.data.choices[0];
    const content: ContentBlock[] = [];
    if (choice?.message.content) content.push({ text: choice.message.content });
    const calls = choice?.message.tool_calls ?? [];
    calls.forEach((call, index) => {
      content.push({
        toolUse: { toolUseId: call.id ?? `call_${index}`, name: call.function.name, input: toolInputOf(call.function.arguments) },
      });
    });
    return {
      content,
      stopReason: toStopReason(choice?.finish_reason, calls.length > 0),
      usage: toUsage(parsed.data.usage),
      model: this.identity,
    };
  }

  private async readStream(res: Response, onDelta: (text: string) => void): Promise<ChatResponse> {
    if (res.body === null) throw this.malformed('an empty body to a streaming request');
    let text = '';
    const calls = new Map<number, { id: string; name: string; args: string; object?: Record<string, unknown> }>();
    let finishReason: string | undefined;
    let usage = toUsage(undefined);
    let done = false;

    const handle = (data: string) => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch (err) {
        throw this.malformed(`a stream event that is not JSON: ${data.slice(0, 200)}`, err);
      }
      const chunk = chunkSchema.safeParse(json);
      if (!chunk.success) throw this.malformed(`an unexpected stream chunk: ${z.prettifyError(chunk.error)}`);
      if (chunk.data.error !== undefined) {
        // Servers report failures after the 200 as an error event; the status is gone by then.
        const detail = errorDetail(JSON.stringify({ error: chunk.data.error }));
        const code = (chunk.data.error as { code?: unknown } | null)?.code;
        throw providerError(typeof code === 'number' ? kindOfStatus(code) : 'unavailable', this.identity, `error in stream: ${detail}`);
      }
      if (chunk.data.usage) usage = toUsage(chunk.data.usage);
      const choice = chunk.data.choices?.[0];
      if (choice === undefined) return;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (delta?.content) {
        text += delta.content;
        onDelta(delta.content);
      }
      for (const [position, call] of (delta?.tool_calls ?? []).entries()) {
        const index = call.index ?? position;
        const entry = calls.get(index) ?? { id: '', name: '', args: '' };
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name += call.function.name;
        const args = call.function?.arguments;
        if (typeof args === 'string') entry.args += args;
        else if (args) entry.object = args;
        calls.set(index, entry);
      }
    };

    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      buffer += ended ? decoder.decode() : decoder.decode(value, { stream: true });
      // SSE events are lines; a network chunk can end mid-line, so keep the tail for later.
      const lines = buffer.split(/\r?\n/);
      buffer = ended ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (!line.startsWith('data:')) continue;
        handle(line.slice(5).trim());
        if (done) break;
      }
      if (done || ended) break;
    }
    if (done) await reader.cancel().catch(() => undefined);
    if (!done && finishReason === undefined) {
      throw providerError('unavailable', this.identity, `the stream from ${this.url} ended before [DONE] (the answer is incomplete)`);
    }

    const content: ContentBlock[] = [];
    if (text !== '') content.push({ text });
    for (const [index, call] of [...calls.entries()].sort(([a], [b]) => a - b)) {
      content.push({
        toolUse: { toolUseId: call.id || `call_${index}`, name: call.name, input: call.object ?? parseToolInput(call.args) },
      });
    }
    return { content, stopReason: toStopReason(finishReason, calls.size > 0), usage, model: this.identity };
  }
}
