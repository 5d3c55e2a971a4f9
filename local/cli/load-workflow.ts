/**
 * Reading workflow files for the CLI: JSON with a clear INVALID_JSON issue (line and column) on a
 * syntax error, and a resolver that finds sub-workflows by id in a folder.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { issue, type Issue } from '@shared/issues';
import { parseWorkflow } from '@shared/parse-workflow';
import type { Workflow } from '@shared/workflow';

export type LoadResult = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

/** Offset of the first JSON syntax error (JSON.parse on older Nodes does not always say). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i += 1;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i += 1;
      else if ((text.charCodeAt(i) ?? 0) < 0x20) fail();
      i += 1;
    }
    if (i >= text.length) fail();
    i += 1;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i += 1;
      ws();
      if (text[i] === close) {
        i += 1;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i += 1;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === close) {
          i += 1;
          return;
        }
        fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1;
  }
}

function position(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  const offset = m ? Number(m[1]) : jsonErrorOffset(text);
  if (offset < 0) return '';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** Parses JSON text, reporting a syntax error as an issue. */
export function parseJsonText(text: string, what: string): LoadResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    return { ok: false, issues: [issue('INVALID_JSON', `${what} is not valid JSON${position(text, message)}: ${message}`)] };
  }
}

export async function loadJsonFile(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [issue('INVALID_WORKFLOW', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)] };
  }
  return parseJsonText(text, file);
}

/**
 * Finds sub-workflows in `dir`: `<id>.json`, else any JSON file whose metadata.id is the id.
 * @example
 * ```ts
 * const resolve = folderResolver('examples'); await resolve('summarise-document');
 * ```
 */
export function folderResolver(dir: string): (workflowId: string) => Promise<Workflow> {
  return async (workflowId) => {
    const candidates = [`${workflowId}.json`, ...(await readdir(dir)).filter((f) => f.endsWith('.json') && f !== `${workflowId}.json`).sort()];
    for (const file of candidates) {
      const loaded = await loadJsonFile(path.join(dir, file)).catch(() => undefined);
      if (!loaded?.ok) continue;
      const parsed = parseWorkflow(loaded.value);
      if (parsed.ok && (file === `${workflowId}.json` || parsed.workflow.metadata.id === workflowId)) return parsed.workflow;
    }
    throw new Error(`sub-workflow "${workflowId}" was not found in ${dir} (looked for ${workflowId}.json or a file with metadata.id "${workflowId}")`);
  };
}
