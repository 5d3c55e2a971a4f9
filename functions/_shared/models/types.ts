/**
 * The model port: one provider-neutral chat interface (shaped like Bedrock's Converse API) that
 * the llm and agent runtimes program against. Adapters: Bedrock (Converse/ConverseStream),
 * OpenAI-compatible endpoints, and the deterministic local model.
 */

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ContentBlock =
  | { readonly text: string }
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: unknown } }
  | {
      readonly toolResult: {
        readonly toolUseId: string;
        readonly content: ReadonlyArray<{ readonly text: string } | { readonly json: unknown }>;
        readonly status: 'success' | 'error';
      };
    };

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ContentBlock[];
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the tool's input. */
  readonly inputSchema: Record<string, unknown>;
}

export interface ChatRequest {
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly stopSequences?: readonly string[];
  /** Who is asking (the local model picks scripted replies by these). */
  readonly context?: { readonly nodeId?: string; readonly executionId?: string; readonly agent?: string };
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'content_filtered';

/** Which model answered. `simulated` is true for the local model, and every event says so. */
export interface ModelIdentity {
  readonly provider: 'bedrock' | 'openai_compatible' | 'local';
  readonly model: string;
  readonly simulated: boolean;
}

export interface ChatResponse {
  readonly content: readonly ContentBlock[];
  readonly stopReason: StopReason;
  readonly usage: TokenUsage;
  readonly model: ModelIdentity;
}

export interface ChatOptions {
  readonly signal?: AbortSignal;
  /** Streams text deltas as they arrive (providers that cannot stream call it once). */
  readonly onDelta?: (text: string) => void;
}

export interface ChatModel {
  readonly identity: ModelIdentity;
  converse(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse>;
}

/**
 * How a provider failure is classified. throttled, unavailable and timeout fall through to the
 * next model of a fallback chain; auth and validation do not (another model would not help and
 * the caller must fix something).
 */
export type ProviderErrorKind = 'throttled' | 'unavailable' | 'timeout' | 'auth' | 'validation' | 'unknown';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    readonly model: ModelIdentity,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  /** True when the next model of a fallback chain should be tried. */
  get fallsThrough(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

/** Text of all text blocks, joined. */
export function textOf(content: readonly ContentBlock[]): string {
  return content.map((b) => ('text' in b ? b.text : '')).join('');
}
