/**
 * The editor's view of a workflow: React Flow nodes and edges whose `data` carries exactly the
 * shared schema's node fields (ids are immutable; labels are only data).
 */
import type { Edge, Node } from '@xyflow/react';
import type { NodeType, RetryPolicy, WorkflowInput } from '@shared/workflow';

/** What a canvas node carries: the workflow node minus id and position (React Flow holds those). */
export interface StepNodeData extends Record<string, unknown> {
  type: NodeType;
  label?: string;
  description?: string;
  config: Record<string, unknown>;
  retry?: Partial<RetryPolicy> & { maxAttempts: number };
  timeoutSeconds?: number;
}

export type StepNode = Node<StepNodeData, NodeType>;

export interface StepEdgeData extends Record<string, unknown> {
  label?: string;
  errors?: string[];
}
export type StepEdge = Edge<StepEdgeData>;

/** The workflow document as stored (defaults not yet applied). */
export type WorkflowDoc = WorkflowInput;
export type WorkflowMetadata = WorkflowDoc['metadata'];
export type WorkflowSettingsDoc = NonNullable<WorkflowDoc['settings']>;
