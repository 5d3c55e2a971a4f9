/**
 * Parses the JSON argument string a model produced for a tool call.
 *
 * Models do emit malformed arguments (truncated by max tokens, or plain text). That must not crash
 * the runtime: the raw string is kept as `{ _raw }`, and the agent reports it back to the model as
 * a bad-argument observation so it can try again. An empty string means "no arguments" (`{}`),
 * which is what both Bedrock and OpenAI-compatible servers send for parameterless tools.
 *
 * @example
 * ```ts
 * parseToolInput('{"q":"x"}') // { q: 'x' }
 * parseToolInput('{"q":')     // { _raw: '{"q":' }
 * ```
 */
export function parseToolInput(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return { _raw: raw };
  }
}

/** True for the `{ _raw }` placeholder of {@link parseToolInput}. */
export function isRawToolInput(input: unknown): input is { _raw: string } {
  return (
    input !== null &&
    typeof input === 'object' &&
    !Array.isArray(input) &&
    Object.keys(input).length === 1 &&
    typeof (input as { _raw?: unknown })._raw === 'string'
  );
}
