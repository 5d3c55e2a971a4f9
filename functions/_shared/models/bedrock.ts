/**
 * The Bedrock adapter of the model port: Converse for whole answers, ConverseStream when the
 * caller wants deltas. Our port is shaped like Converse, so the mapping is mostly a copy; what
 * this module adds is assembling streamed blocks and classifying every failure into a
 * {@link ProviderError} kind, which decides whether a fallback chain tries the next model.
 */
import {
  ConverseCommand,
  ConverseStreamCommand,
  type BedrockRuntimeClient,
  type ContentBlock as BedrockContentBlock,
  type ConverseCommandInput,
  type ConverseStreamOutput,
  type Message,
  type TokenUsage as BedrockTokenUsage,
  type ToolResultContentBlock,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { errorText, networkErrorCode, providerError } from './provider-error';
import { parseToolInput } from './tool-input';
import {
  ProviderError,
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

/** The SDK's document type for tool inputs and JSON tool results. */
type Document = NonNullable<ToolUseBlock['input']>;

/**
 * Maps a port request to a Converse input (the ConverseStream input has the same shape).
 *
 * @example
 * ```ts
 * toConverseInput('amazon.nova-micro-v1:0', { system: 'Be brief.', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })
 * // { modelId: 'amazon.nova-micro-v1:0', system: [{ text: 'Be brief.' }], messages: [...] }
 * ```
 */
export function toConverseInput(modelId: string, request: ChatRequest): ConverseCommandInput {
  const input: ConverseCommandInput = {
    modelId,
    messages: request.messages.map((m): Message => ({ role: m.role, content: m.content.map(toBedrockBlock) })),
  };
  if (request.system !== undefined && request.system !== '') input.system = [{ text: request.system }];
  if (request.tools !== undefined && request.tools.length > 0) {
    input.toolConfig = {
      tools: request.tools.map((t) => ({
        toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as Document } },
      })),
    };
  }
  const { maxTokens, temperature, stopSequences } = request;
  if (maxTokens !== undefined || temperature !== undefined || stopSequences !== undefined) {
    input.inferenceConfig = {
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(temperature === undefined ? {} : { temperature }),
      ...(stopSequences === undefined ? {} : { stopSequences: [...stopSequences] }),
    };
  }
  return input;
}

function toBedrockBlock(block: ContentBlock): BedrockContentBlock {
  if ('text' in block) return { text: block.text };
  if ('toolUse' in block) {
    const { toolUseId, name, input } = block.toolUse;
    return { toolUse: { toolUseId, name, input: (input ?? {}) as Document } };
  }
  const { toolUseId, content, status } = block.toolResult;
  return {
    toolResult: {
      toolUseId,
      status,
      content: content.map((c): ToolResultContentBlock => ('text' in c ? { text: c.text } : { json: c.json as Document })),
    },
  };
}

/**
 * Maps Bedrock's stop reasons onto the port's. Guardrail interventions count as filtered content;
 * a full context window is, for the caller, the same as running out of output tokens. The
 * malformed_* reasons become end_turn: the content itself shows what the model produced, and the
 * agent reports bad tool input back to the model.
 */
export function toStopReason(reason: string | undefined): StopReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_use';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filtered';
    default:
      return 'end_turn';
  }
}

function toUsage(usage: BedrockTokenUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadInputTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteInputTokens ?? 0,
  };
}

/** Response blocks we understand; reasoning and citation blocks carry nothing the runtimes use. */
function fromBedrockBlocks(blocks: readonly BedrockContentBlock[] | undefined): ContentBlock[] {
  const out: ContentBlock[] = [];
  for (const block of blocks ?? []) {
    if (block.text !== undefined) out.push({ text: block.text });
    else if (block.toolUse !== undefined) {
      out.push({
        toolUse: { toolUseId: block.toolUse.toolUseId ?? '', name: block.toolUse.name ?? '', input: block.toolUse.input ?? {} },
      });
    }
  }
  return out;
}

const THROTTLED = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'TooManyRequestsException']);
const UNAVAILABLE = new Set([
  'ServiceUnavailableException',
  'InternalServerException',
  'InternalFailure',
  'ModelNotReadyException',
  'ModelStreamErrorException',
  // The model itself failed (HTTP 424): another model may well answer.
  'ModelErrorException',
]);
const TIMEOUT = new Set(['ModelTimeoutException', 'TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
const AUTH = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);
const VALIDATION = new Set(['ValidationException', 'ResourceNotFoundException']);

/** Lower-camel in-stream exception members (`throttlingException`) carry the class name capitalised. */
const capitalise = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * Classifies anything the Bedrock client threw. Names decide first (they are the service's own
 * classification), then the HTTP status, then connection-level failures.
 *
 * @example
 * ```ts
 * classifyBedrockError(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }), identity).kind // 'throttled'
 * ```
 */
export function classifyBedrockError(err: unknown, identity: ModelIdentity): ProviderError {
  if (err instanceof ProviderError) return err;
  const record = (err ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof record.name === 'string' ? capitalise(record.name) : '';
  const status = typeof record.$metadata?.httpStatusCode === 'number' ? record.$metadata.httpStatusCode : undefined;
  const network = networkErrorCode(err);
  const kind = kindOf(name, status, network);
  const parts = [name && name !== 'Error' ? name : undefined, status === undefined ? undefined : `HTTP ${status}`].filter(
    (p): p is string => p !== undefined,
  );
  const detail = `${parts.length > 0 ? `${parts.join(', ')}: ` : ''}${errorText(err)}`;
  return providerError(kind, identity, detail, { cause: err });
}

function kindOf(name: string, status: number | undefined, network: string | undefined): ProviderErrorKind {
  if (THROTTLED.has(name)) return 'throttled';
  if (UNAVAILABLE.has(name)) return 'unavailable';
  if (TIMEOUT.has(name)) return 'timeout';
  if (AUTH.has(name)) return 'auth';
  if (VALIDATION.has(name)) return 'validation';
  if (status === 429) return 'throttled';
  if (status === 408) return 'timeout';
  if (status !== undefined && status >= 500) return 'unavailable';
  if (status === 401 || status === 403) return 'auth';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'validation';
  if (network !== undefined) return 'unavailable';
  return 'unknown';
}

/** A block being assembled from stream events. */
type PendingBlock = { kind: 'text'; text: string } | { kind: 'toolUse'; toolUseId: string; name: string; json: string };

/** In-stream exception members of a ConverseStream event. */
const STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

/**
 * A {@link ChatModel} backed by Amazon Bedrock's Converse API.
 *
 * Give it a client with few SDK retries (`maxAttempts: 1` or 2) when it sits in a fallback chain:
 * the chain's next model is a better answer to throttling than the SDK's backoff.
 *
 * @example
 * ```ts
 * const model = new BedrockChatModel(new BedrockRuntimeClient({ maxAttempts: 2 }), 'us.anthropic.claude-3-5-haiku-20241022-v1:0');
 * const res = await model.converse({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }, { onDelta: (t) => process.stdout.write(t) });
 * ```
 */
export class BedrockChatModel implements ChatModel {
  readonly identity: ModelIdentity;

  constructor(
    private readonly client: BedrockRuntimeClient,
    readonly modelId: string,
  ) {
    this.identity = { provider: 'bedrock', model: modelId, simulated: false };
  }

  async converse(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    const input = toConverseInput(this.modelId, request);
    const sendOptions = options.signal === undefined ? {} : { abortSignal: options.signal };
    try {
      if (options.onDelta !== undefined) return await this.stream(input, options.onDelta, sendOptions);
      const out = await this.client.send(new ConverseCommand(input), sendOptions);
      return {
        content: fromBedrockBlocks(out.output?.message?.content),
        stopReason: toStopReason(out.stopReason),
        usage: toUsage(out.usage),
        model: this.identity,
      };
    } catch (err) {
      throw classifyBedrockError(err, this.identity);
    }
  }

  private async stream(
    input: ConverseCommandInput,
    onDelta: (text: string) => void,
    sendOptions: { abortSignal?: AbortSignal },
  ): Promise<ChatResponse> {
    const out = await this.client.send(new ConverseStreamCommand(input), sendOptions);
    if (out.stream === undefined) {
      throw providerError('unavailable', this.identity, 'ConverseStream answered without an event stream');
    }
    const blocks = new Map<number, PendingBlock>();
    let stopReason: StopReason | undefined;
    let usage: TokenUsage = toUsage(undefined);
    for await (const event of out.stream as AsyncIterable<ConverseStreamOutput>) {
      this.throwIfStreamException(event);
      if (event.contentBlockStart !== undefined) {
        const toolUse = event.contentBlockStart.start?.toolUse;
        if (toolUse !== undefined) {
          blocks.set(event.contentBlockStart.contentBlockIndex ?? 0, {
            kind: 'toolUse',
            toolUseId: toolUse.toolUseId ?? '',
            name: toolUse.name ?? '',
            json: '',
          });
        }
      } else if (event.contentBlockDelta !== undefined) {
        const index = event.contentBlockDelta.contentBlockIndex ?? 0;
        const delta = event.contentBlockDelta.delta;
        if (delta?.text !== undefined) {
          const block = blocks.get(index);
          if (block?.kind === 'text') block.text += delta.text;
          else blocks.set(index, { kind: 'text', text: delta.text });
          onDelta(delta.text);
        } else if (delta?.toolUse?.input !== undefined) {
          const block = blocks.get(index);
          // A delta without its start event still yields a usable block rather than losing input.
          if (block?.kind === 'toolUse') block.json += delta.toolUse.input;
          else blocks.set(index, { kind: 'toolUse', toolUseId: '', name: '', json: delta.toolUse.input });
        }
      } else if (event.messageStop !== undefined) {
        stopReason = toStopReason(event.messageStop.stopReason);
      } else if (event.metadata !== undefined) {
        usage = toUsage(event.metadata.usage);
      }
    }
    if (stopReason === undefined) {
      // A stream cut short is an incomplete answer, not a short one: let the chain retry it.
      throw providerError('unavailable', this.identity, 'ConverseStream ended before messageStop (the answer is incomplete)');
    }
    const content = [...blocks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, b]): ContentBlock =>
        b.kind === 'text' ? { text: b.text } : { toolUse: { toolUseId: b.toolUseId, name: b.name, input: parseToolInput(b.json) } },
      );
    return { content, stopReason, usage, model: this.identity };
  }

  /** The SDK throws in-stream exceptions itself; a mocked or future stream may yield them as members. */
  private throwIfStreamException(event: ConverseStreamOutput): void {
    for (const member of STREAM_EXCEPTIONS) {
      const exception = event[member];
      if (exception !== undefined) {
        const err = Object.assign(new Error(exception.message ?? member), { name: capitalise(member) });
        throw classifyBedrockError(err, this.identity);
      }
    }
  }
}
