/**
 * The Step Functions port and its two adapters (AWS, local engine).
 */
export type { StepFunctionsPort, stepFunctionsPort, PublishRequest, PublishResult, StartRequest, StartTarget, StartResult, StopRequest, ExecutionDescription, SfnExecutionStatus, StateMachineType } from './port';
export { AwsStepFunctions, mapSfnError, type AwsStepFunctionsOptions } from './aws-adapter';
export { LocalStepFunctions, type LocalStepFunctionsOptions, type LocalEngineLike, type LocalExecutionView, type LocalVersion } from './local-adapter';
export { stateMachineName, executionName, executionArnFor, parseStateMachineArn, sameJson, MAX_NAME_LENGTH, NAME_PATTERN } from './names';
