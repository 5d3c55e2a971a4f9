/**
 * The deterministic offline model: replies scripted by a fixture, so workflows run end to end
 * with no provider, no network and no cost (local development, demos, tests). Every response says
 * `simulated: true`, so nothing downstream can mistake it for a real model's answer.
 *
 * A fixture lists replies; the first whose `when` matches the request wins:
 * - `nodeId` / `agent`: equal to the request's `context.nodeId` / `context.agent`;
 * - `promptIncludes`: a substring (case-insensitive) of the text of the user messages;
 * - `turn`: the index of the assistant turn being produced (the number of assistant messages
 *   already in the conversation), so an agent can get a tool call at turn 0 and its final answer
 *   at turn 1.
 *
 * A reply is `{ text }`, `{ json }` (sent as JSON text) or `{ toolUse: [{ name, input }] }`.
 * With no match, `fallback: 'echo'` (the default) answers `[local model] <the last user message>`
 * and, when the prompt embeds a JSON Schema (as structured-output prompts do), a deterministic
 * instance of it; `fallback: 'error'` fails with a validation ProviderError naming what to add.
 *
 * @example
 * ```ts
 * const model = new LocalModel({
 *   name: 'triage',
 *   replies: [{ when: { nodeId: 'classify' }, reply: { json: { priority: 'high', category: 'billing' } } }],
 * });
 * const res = await model.converse({ messages: [{ role: 'user', content: [{ text: 'Help' }] }], context: { nodeId: 'classify' } });
 * // res.content: [{ text: '{"priority":"high","category":"billing"}' }], res.model.simulated: true
 * ```
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import '@shared/zod-en';
import { ValidationError } from '@shared/errors';
import defaultFixture from './fixtures/default.json';
import { providerError } from './provider-error';
import {
  textOf,
  type ChatMessage,
  type ChatModel,
  type ChatOptions,
  type ChatRequest,
  type ChatResponse,
  type ContentBlock,
  type ModelIdentity,
  type TokenUsage,
} from './types';

const replySchema = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ json: z.json() }),
  z.strictObject({
    toolUse: z.array(z.strictObject({ name: z.string().check(z.minLength(1)), input: z._default(z.record(z.string(), z.json()), {}) })).check(z.minLength(1)),
  }),
]);

/**
 * The fixture format of the local model.
 *
 * @example
 * ```ts
 * localFixtureSchema.parse({ name: 'demo', replies: [{ reply: { text: 'Hello' } }] })
 * ```
 */
export const localFixtureSchema = z.strictObject({
  /** Shown in the identity as `local:<name>`. */
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  description: z.optional(z.string()),
  replies: z.array(
    z.strictObject({
      /** Why this reply exists (fixtures are read by people). */
      note: z.optional(z.string()),
      when: z.optional(
        z.strictObject({
          nodeId: z.optional(z.string().check(z.minLength(1))),
          agent: z.optional(z.string().check(z.minLength(1))),
          promptIncludes: z.optional(z.string().check(z.minLength(1))),
          turn: z.optional(z.number().check(z.int(), z.gte(0))),
        }),
      ),
      reply: replySchema,
    }),
  ),
  fallback: z._default(z.enum(['echo', 'error']), 'echo'),
});
export type LocalFixture = z.infer<typeof localFixtureSchema>;
export type LocalFixtureInput = z.input<typeof localFixtureSchema>;
type ScriptedReply = z.infer<typeof replySchema>;

/** Token estimate used by the local model: a quarter of the characters, rounded up. */
const estimateTokens = (chars: number) => Math.ceil(chars / 4);
const ECHO_CHARS = 200;
const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Text of the user messages (text blocks only): what `promptIncludes` searches. */
function promptText(messages: readonly ChatMessage[]): string {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => textOf(m.content))
    .join('\n');
}

/** The last user message as text; a tool-result-only message contributes its results. */
function lastUserText(messages: readonly ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (last === undefined) return '';
  const text = textOf(last.content);
  if (text !== '') return text;
  return last.content
    .map((b) => ('toolResult' in b ? b.toolResult.content.map((c) => ('text' in c ? c.text : JSON.stringify(c.json))).join(' ') : ''))
    .join(' ');
}

function blockChars(block: ContentBlock): number {
  if ('text' in block) return block.text.length;
  if ('toolUse' in block) return block.toolUse.name.length + JSON.stringify(block.toolUse.input ?? {}).length;
  return JSON.stringify(block.toolResult.content).length;
}

/**
 * Every balanced `{...}` in `text` that parses as a JSON object and looks like a JSON Schema
 * (an object type or properties). Structured-output prompts embed the schema this way.
 */
function embeddedSchemas(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        try {
          const parsed = JSON.parse(text.slice(start, i + 1)) as unknown;
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
            const schema = parsed as Record<string, unknown>;
            if (schema.type === 'object' || typeof schema.properties === 'object') {
              found.push(schema);
              start = i; // skip the schema's own nested objects
            }
          }
        } catch {
          // Not JSON: keep scanning from the next brace.
        }
        break;
      }
    }
  }
  return found;
}

/**
 * A deterministic instance of a JSON Schema: `const`/first `enum` value, the minimum of numbers,
 * `false`, one array item (or `minItems`), every listed property, and `text` for strings.
 *
 * @example
 * ```ts
 * exampleOf({ type: 'object', properties: { label: { enum: ['positive', 'neutral'] } } }, 'x') // { label: 'positive' }
 * ```
 */
export function exampleOf(schema: unknown, text: string, depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > 8) return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return exampleOf(options[0], text, depth + 1);
  }
  const types = Array.isArray(s.type) ? (s.type as unknown[]) : [s.type];
  const type = types.find((t) => t !== 'null') ?? (typeof s.properties === 'object' ? 'object' : types[0]);
  const num = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : undefined);
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, exampleOf(v, text, depth + 1)]));
    }
    case 'array': {
      const count = Math.max(1, num('minItems') ?? 1);
      return s.items === undefined ? [] : Array.from({ length: count }, () => exampleOf(s.items, text, depth + 1));
    }
    case 'string': {
      if (s.format === 'date-time') return '2000-01-01T00:00:00.000Z';
      if (s.format === 'date') return '2000-01-01';
      if (s.format === 'email') return 'local@example.com';
      if (s.format === 'uri' || s.format === 'url') return 'https://example.com/';
      const max = num('maxLength');
      const value = max === undefined ? text : text.slice(0, max);
      return value.padEnd(num('minLength') ?? 0, '.');
    }
    case 'integer':
    case 'number': {
      const exclusive = num('exclusiveMinimum');
      const step = type === 'integer' ? 1 : 0.5;
      let value = num('minimum') ?? (exclusive === undefined ? 0 : exclusive + step);
      const max = num('maximum');
      if (max !== undefined && value > max) value = max;
      return type === 'integer' ? Math.ceil(value) : value;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/**
 * A {@link ChatModel} that answers from a fixture, deterministically and offline.
 *
 * @example
 * ```ts
 * const model = LocalModel.fromFile('functions/_shared/models/fixtures/default.json');
 * model.identity // { provider: 'local', model: 'local:default', simulated: true }
 * ```
 */
export class LocalModel implements ChatModel {
  readonly identity: ModelIdentity;
  readonly fixture: LocalFixture;

  /**
   * Validates the fixture at run time too (it often comes from a JSON file); a bad one throws a
   * ValidationError listing every problem.
   */
  constructor(fixture: LocalFixtureInput, source = 'the local model fixture') {
    const parsed = localFixtureSchema.safeParse(fixture);
    if (!parsed.success) {
      throw new ValidationError(`${source} is not a valid local model fixture: ${z.prettifyError(parsed.error)}`, {
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    this.fixture = parsed.data;
    this.identity = { provider: 'local', model: `local:${parsed.data.name}`, simulated: true };
  }

  /** Loads a fixture from a JSON file. */
  static fromFile(path: string): LocalModel {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ValidationError(`cannot read the local model fixture ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new LocalModel(json as LocalFixtureInput, path);
  }

  /** The fixture shipped with Stepflow (replies for the example workflows, echo otherwise). */
  static default(): LocalModel {
    return new LocalModel(defaultFixture as LocalFixtureInput, 'fixtures/default.json');
  }

  async converse(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    if (options.signal?.aborted === true) throw providerError('timeout', this.identity, 'the call was aborted by the caller');
    const turn = request.messages.filter((m) => m.role === 'assistant').length;
    const content = this.reply(request, turn);
    const text = textOf(content);
    if (options.onDelta !== undefined && text !== '') {
      // A few fixed-size chunks, so streaming consumers see more than one delta, deterministically.
      const size = Math.ceil(text.length / 4);
      for (let i = 0; i < text.length; i += size) options.onDelta(text.slice(i, i + size));
    }
    const inputChars =
      (request.system?.length ?? 0) +
      request.messages.reduce((sum, m) => sum + m.content.reduce((s, b) => s + blockChars(b), 0), 0) +
      (request.tools === undefined ? 0 : JSON.stringify(request.tools).length);
    const usage: TokenUsage = {
      inputTokens: estimateTokens(inputChars),
      outputTokens: estimateTokens(content.reduce((s, b) => s + blockChars(b), 0)),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const stopReason = content.some((b) => 'toolUse' in b) ? 'tool_use' : 'end_turn';
    return { content, stopReason, usage, model: this.identity };
  }

  private reply(request: ChatRequest, turn: number): ContentBlock[] {
    const prompt = promptText(request.messages).toLowerCase();
    const match = this.fixture.replies.find(({ when }) => {
      if (when === undefined) return true;
      if (when.nodeId !== undefined && when.nodeId !== request.context?.nodeId) return false;
      if (when.agent !== undefined && when.agent !== request.context?.agent) return false;
      if (when.turn !== undefined && when.turn !== turn) return false;
      if (when.promptIncludes !== undefined && !prompt.includes(when.promptIncludes.toLowerCase())) return false;
      return true;
    });
    if (match !== undefined) return this.scripted(match.reply, request, turn);
    if (this.fixture.fallback === 'error') {
      const who = [
        request.context?.nodeId === undefined ? undefined : `nodeId "${request.context.nodeId}"`,
        request.context?.agent === undefined ? undefined : `agent "${request.context.agent}"`,
        `turn ${turn}`,
      ].filter((p): p is string => p !== undefined);
      throw providerError(
        'validation',
        this.identity,
        `no reply in fixture "${this.fixture.name}" matches ${who.join(', ')}; add one to its replies, e.g. { "when": { "nodeId": "${request.context?.nodeId ?? '<node id>'}", "turn": ${turn} }, "reply": { "text": "..." } }`,
      );
    }
    return [{ text: this.echo(request) }];
  }

  private scripted(reply: ScriptedReply, request: ChatRequest, turn: number): ContentBlock[] {
    if ('text' in reply) return [{ text: reply.text }];
    if ('json' in reply) return [{ text: JSON.stringify(reply.json) }];
    const offered = new Set((request.tools ?? []).map((t) => t.name));
    const unknown = reply.toolUse.filter((u) => !offered.has(u.name)).map((u) => u.name);
    if (unknown.length > 0) {
      // Calling a tool the request does not offer would fail later and further from the cause.
      throw providerError(
        'validation',
        this.identity,
        `fixture "${this.fixture.name}" scripts a call to ${unknown.join(', ')}, but the request offers only [${[...offered].join(', ')}]`,
      );
    }
    return reply.toolUse.map((u, i) => ({ toolUse: { toolUseId: `local-${turn}-${i}`, name: u.name, input: u.input } }));
  }

  /** The unscripted answer: the last user message, or an instance of the schema the prompt asks for. */
  private echo(request: ChatRequest): string {
    const summary = `[local model] ${collapse(lastUserText(request.messages)).slice(0, ECHO_CHARS)}`;
    const sources = [request.system ?? '', lastUserText(request.messages)];
    const schema = sources.flatMap(embeddedSchemas)[0];
    if (schema !== undefined) return JSON.stringify(exampleOf(schema, summary));
    if (/\bJSON\b/.test(request.system ?? '')) return JSON.stringify({ text: summary });
    return summary;
  }
}
