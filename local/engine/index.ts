export { LocalEngine, LocalExecution, type ExecutionOutcome, type LocalEngineOptions, type PendingCallback, type StartOptions, type LocalExecutionStatus } from './engine';
export { RuntimeRegistry, type NodeHandler, type LocalInvokeContext } from './runtimes';
export { defaultRuntimes, defaultTools } from './default-runtimes';
export { EventStream } from './event-stream';
export type { InterpreterEvent } from './lifecycle';
