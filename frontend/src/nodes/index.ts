/**
 * The canvas node components, one file per node type, defined once at module level
 * (React Flow re-mounts every node when `nodeTypes` changes identity).
 */
import type { NodeTypes } from '@xyflow/react';
import type { NodeType } from '@shared/workflow';
import { StartNode } from './StartNode';
import { EndNode } from './EndNode';
import { LlmNode } from './LlmNode';
import { AgentNode } from './AgentNode';
import { ToolNode } from './ToolNode';
import { ConditionNode } from './ConditionNode';
import { ParallelNode } from './ParallelNode';
import { MergeNode } from './MergeNode';
import { LoopNode } from './LoopNode';
import { SubworkflowNode } from './SubworkflowNode';
import { WaitNode } from './WaitNode';
import { CodeNode } from './CodeNode';
import { TransformNode } from './TransformNode';
import { HumanInputNode } from './HumanInputNode';

export const nodeTypes = {
  start: StartNode,
  end: EndNode,
  llm: LlmNode,
  agent: AgentNode,
  tool: ToolNode,
  condition: ConditionNode,
  parallel: ParallelNode,
  merge: MergeNode,
  loop: LoopNode,
  subworkflow: SubworkflowNode,
  wait: WaitNode,
  code: CodeNode,
  transform: TransformNode,
  human_input: HumanInputNode,
} satisfies Record<NodeType, NodeTypes[string]>;
