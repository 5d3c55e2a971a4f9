/**
 * Workflow files at synth: read, validate and compile each one, and fail with every issue of
 * every broken file (file name, node ids, fields) at once, the way `stepflow validate` reports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Issue } from '@shared/issues';
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import type { Workflow } from '@shared/workflow';
import { compile } from '../../statemachines/src';

/** A sub-workflow the definition starts, and the substitution key that stands for its ARN. */
export interface SubworkflowRef {
  readonly key: string;
  readonly workflowId: string;
  readonly version?: number;
}

export interface CompiledWorkflow {
  /** The file it came from (as given). */
  readonly file: string;
  /** `metadata.id`, or the file name without `.json`. */
  readonly workflowId: string;
  readonly workflow: Workflow;
  /** The ASL with `${...}` placeholders. */
  readonly definition: string;
  /** Runtimes whose function ARNs the definition substitutes. */
  readonly runtimes: readonly RuntimeName[];
  readonly subworkflows: readonly SubworkflowRef[];
  /** Warnings (never errors). */
  readonly warnings: readonly Issue[];
}

/** A workflow file that does not compile; the message names the file and every issue. */
export class WorkflowFileError extends Error {
  override readonly name = 'WorkflowFileError';
  constructor(
    readonly file: string,
    readonly issues: readonly Issue[],
  ) {
    super(`${file}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
  }
}

export function formatIssue(i: Issue): string {
  const where = [i.nodeId === undefined ? undefined : `node "${i.nodeId}"`, i.edgeId === undefined ? undefined : `edge "${i.edgeId}"`, i.field === undefined ? undefined : `field ${i.field}`].filter(Boolean).join(', ');
  return `${i.code}${where ? ` (${where})` : ''}: ${i.message}`;
}

const placeholderName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
const RUNTIME_BY_KEY = new Map(Object.entries(runtimeFunctions).map(([r, k]) => [k as string, r as RuntimeName]));

/**
 * Compiles one workflow document.
 *
 * @example
 * ```ts
 * const wf = compileWorkflowFile('workflows/triage.json', { tenantId: 'default' });
 * ```
 */
export function compileWorkflowFile(file: string, options: { tenantId?: string } = {}): CompiledWorkflow {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WorkflowFileError(file, [{ code: 'INVALID_JSON', severity: 'error', message: `cannot read it as JSON: ${(err as Error).message}` }]);
  }
  const subworkflows: SubworkflowRef[] = [];
  const result = compile(input, {
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
    // The compiler's own placeholder, with the id kept so the stack can resolve it.
    subworkflowArn: (workflowId, version) => {
      const key = `Subworkflow_${placeholderName(workflowId)}${version === undefined ? '' : `_v${version}`}`;
      if (!subworkflows.some((s) => s.key === key)) subworkflows.push({ key, workflowId, ...(version === undefined ? {} : { version }) });
      return `\${${key}}`;
    },
  });
  if (!result.ok) throw new WorkflowFileError(file, result.issues.filter((i) => i.severity === 'error'));
  const byKey = RUNTIME_BY_KEY;
  const runtimes = result.substitutions.map((key) => {
    const runtime = byKey.get(key);
    if (runtime === undefined && !subworkflows.some((s) => s.key === key)) {
      throw new WorkflowFileError(file, [{ code: 'ASL_INVALID', severity: 'error', message: `the definition uses a substitution "\${${key}}" that the CDK app cannot resolve` }]);
    }
    return runtime;
  });
  return {
    file,
    workflowId: result.workflow.metadata.id ?? path.basename(file).replace(/\.json$/i, ''),
    workflow: result.workflow,
    definition: result.json,
    runtimes: runtimes.filter((r): r is RuntimeName => r !== undefined),
    subworkflows,
    warnings: result.issues.filter((i) => i.severity === 'warning'),
  };
}

/** Every `*.json` directly in `dir` (sorted), compiled; every broken file reported in one error. */
export function compileWorkflowsDir(dir: string, options: { tenantId?: string; displayRoot?: string } = {}): CompiledWorkflow[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.json')).sort();
  } catch (err) {
    throw new Error(`cannot read the workflows directory "${dir}" (context stepflow:workflowsDir): ${(err as Error).message}`);
  }
  const compiled: CompiledWorkflow[] = [];
  const failures: WorkflowFileError[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const shown = options.displayRoot ? path.relative(options.displayRoot, file) : file;
    try {
      compiled.push({ ...compileWorkflowFile(file, options), file: shown });
    } catch (err) {
      if (err instanceof WorkflowFileError) failures.push(new WorkflowFileError(shown, err.issues));
      else throw err;
    }
  }
  const ids = new Map<string, string>();
  for (const wf of compiled) {
    const other = ids.get(wf.workflowId);
    if (other) failures.push(new WorkflowFileError(wf.file, [{ code: 'INVALID_WORKFLOW', severity: 'error', field: 'metadata.id', message: `workflow id "${wf.workflowId}" is also used by ${other}; ids must be unique` }]));
    ids.set(wf.workflowId, wf.file);
  }
  if (failures.length > 0) throw new Error(`Stepflow workflows failed to compile:\n${failures.map((f) => f.message).join('\n')}`);
  return compiled;
}
