/**
 * The subset of the Amazon States Language (JSONPath query language) the compiler emits.
 * Plain JSON types, so the output can be serialised as is.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Transition {
  Next?: string;
  End?: true;
}

interface StateBase {
  Comment?: string;
}

export interface TaskState extends StateBase, Transition {
  Type: 'Task';
  Resource: string;
  Parameters?: JsonObject;
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface PassState extends StateBase, Transition {
  Type: 'Pass';
  Parameters?: JsonObject;
  ResultPath?: string | null;
  OutputPath?: string;
}

export interface ParallelState extends StateBase, Transition {
  Type: 'Parallel';
  Branches: StateMachineFragment[];
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface MapState extends StateBase, Transition {
  Type: 'Map';
  ItemsPath: string;
  ItemSelector?: JsonObject;
  ItemProcessor: StateMachineFragment & { ProcessorConfig: { Mode: 'INLINE' } };
  MaxConcurrency?: number;
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface WaitState extends StateBase, Transition {
  Type: 'Wait';
  Seconds?: number;
  Timestamp?: string;
  TimestampPath?: string;
}

export type ChoiceRule = { [key: string]: Json } & { Next?: string };

export interface ChoiceState extends StateBase {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}

export interface SucceedState extends StateBase {
  Type: 'Succeed';
  OutputPath?: string;
}

export type State = TaskState | PassState | ParallelState | MapState | WaitState | ChoiceState | SucceedState;

export interface StateMachineFragment {
  StartAt: string;
  States: Record<string, State>;
}

export interface StateMachineDefinition extends StateMachineFragment {
  Comment?: string;
  QueryLanguage: 'JSONPath';
  TimeoutSeconds?: number;
}
