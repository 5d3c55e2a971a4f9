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

function position(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const offset = Number(m[1]);
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
