/**
 * What the REST API answers (the routes in functions/api-workflows and functions/api-executions return the data layer's records; the
 * editor may not import functions/, so their JSON shapes are written here once).
 */
import type { Issue } from '@shared/issues';
import type { WorkflowDoc } from '../model/types';

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface WorkflowRecord {
  workflowId: string;
  name: string;
  description?: string;
  graph: WorkflowDoc;
  revision: number;
  latestVersion?: number;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
}

export interface WorkflowVersionRecord {
  workflowId: string;
  version: number;
  graph?: WorkflowDoc;
  asl?: Record<string, unknown>;
  stateMachineArn: string;
  versionArn?: string;
  sourceRevision?: number;
  publishedAt: string;
  publishedBy: string;
}

export type ExecutionStatus = 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface InputRequestView {
  requestId: string;
  nodeId: string;
  prompt?: string;
  inputSchema?: Record<string, unknown>;
  createdAt: string;
  expiresAt?: string;
}

export interface ExecutionRecord {
  executionId: string;
  workflowId: string;
  version: number;
  name?: string;
  status: ExecutionStatus;
  input?: unknown;
  output?: unknown;
  error?: { name: string; message: string };
  startedAt: string;
  stoppedAt?: string;
  durationMs?: number;
  totals?: { tokens: number; costUsd: number };
  pauseRequested: boolean;
  updatedAt: string;
  inputRequests?: InputRequestView[];
}

export interface ValidateResponse {
  ok: boolean;
  revision: number;
  issues: Issue[];
}

/** The runtime configuration: `/config.json` on AWS (from the CDK outputs), `/local/config` locally. */
export interface RuntimeConfig {
  apiUrl: string;
  wsUrl: string;
  auth?: 'local' | 'cognito';
  region?: string;
  userPoolId?: string;
  userPoolClientId?: string;
}
