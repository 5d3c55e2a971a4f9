/** The loop node on the canvas. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { StepNode } from '../model/types';
import { NodeShell } from './NodeShell';

export const LoopNode = memo(function LoopNode(props: NodeProps<StepNode>) {
  return <NodeShell {...props} />;
});
