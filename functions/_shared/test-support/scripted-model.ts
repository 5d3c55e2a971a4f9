/**
 * A ChatModel test double that answers from a script, one response per call, and records the
 * requests it saw. (Provider adapters are tested against local servers; this isolates the
 * runtimes' own logic.)
 */
import type { ChatModel, ChatRequest, ChatResponse, ContentBlock, ModelIdentity } from '../models/types';

export type ScriptStep = ContentBlock[] | Error | ((req: ChatRequest) => ContentBlock[] | Error);

export class ScriptedModel implements ChatModel {
  readonly requests: ChatRequest[] = [];
  private index = 0;
  constructor(
    private readonly script: ScriptStep[],
    readonly identity: ModelIdentity = { provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0', simulated: false },
    private readonly usage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
  ) {}

  async converse(request: ChatRequest, options?: { onDelta?: (t: string) => void }): Promise<ChatResponse> {
    this.requests.push(structuredClone(request));
    const step = this.script[Math.min(this.index, this.script.length - 1)];
    this.index += 1;
    const value = typeof step === 'function' ? step(request) : step;
    if (value instanceof Error || value === undefined) throw value ?? new Error('script exhausted');
    for (const b of value) if ('text' in b) for (const part of b.text.match(/.{1,8}/gs) ?? []) options?.onDelta?.(part);
    return { content: value, stopReason: value.some((b) => 'toolUse' in b) ? 'tool_use' : 'end_turn', usage: this.usage, model: this.identity };
  }
}

export const text = (t: string): ContentBlock[] => [{ text: t }];
export const toolUse = (name: string, input: unknown, id = `tu-${name}`): ContentBlock[] => [{ toolUse: { toolUseId: id, name, input } }];
