/**
 * Stepflow's compiler: workflow graph -> Amazon States Language.
 * @example
 * ```ts
 * import { compile } from '../statemachines/src';
 * const result = compile(workflowJson);
 * ```
 */
export { compile, MAX_DEFINITION_BYTES, type CompileOptions, type CompileResult, type CompileStats, type StateMeta } from './compile';
export type { StateMachineDefinition } from './asl';
export { analyze, type Analysis } from './analyze';
