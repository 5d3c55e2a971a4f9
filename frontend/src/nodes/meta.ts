/** How each node type looks in the palette and on the canvas. */
import type { NodeType } from '@shared/workflow';

export interface NodeLook {
  title: string;
  icon: string;
  /** Accent colour of the type. */
  color: string;
  blurb: string;
  group: 'Flow' | 'AI' | 'Actions' | 'Control';
}

export const nodeLooks: Record<NodeType, NodeLook> = {
  start: { title: 'Start', icon: '▶', color: '#16a34a', blurb: 'Entry; checks the input', group: 'Flow' },
  end: { title: 'End', icon: '■', color: '#475569', blurb: 'Finishes with an output', group: 'Flow' },
  llm: { title: 'LLM', icon: '✦', color: '#7c3aed', blurb: 'One model call', group: 'AI' },
  agent: { title: 'Agent', icon: '◎', color: '#9333ea', blurb: 'ReAct loop with tools', group: 'AI' },
  tool: { title: 'Tool', icon: '⚒', color: '#0891b2', blurb: 'Built-in, Lambda or MCP', group: 'Actions' },
  code: { title: 'Code', icon: '{}', color: '#0d9488', blurb: 'Sandboxed JavaScript', group: 'Actions' },
  transform: { title: 'Transform', icon: '⇄', color: '#0284c7', blurb: 'Mapping or JSONata', group: 'Actions' },
  subworkflow: { title: 'Sub-workflow', icon: '⧉', color: '#2563eb', blurb: 'Run another workflow', group: 'Actions' },
  human_input: { title: 'Human input', icon: '✋', color: '#db2777', blurb: 'Ask a person', group: 'Actions' },
  condition: { title: 'Condition', icon: '◇', color: '#d97706', blurb: 'Branch on rules', group: 'Control' },
  parallel: { title: 'Parallel', icon: '⫴', color: '#ea580c', blurb: 'Run branches at once', group: 'Control' },
  merge: { title: 'Merge', icon: '⋈', color: '#c2410c', blurb: 'Join parallel branches', group: 'Control' },
  loop: { title: 'Loop', icon: '↻', color: '#ca8a04', blurb: 'For each or while', group: 'Control' },
  wait: { title: 'Wait', icon: '⏱', color: '#64748b', blurb: 'Duration, time or event', group: 'Control' },
};

/** A short summary of a node's config shown under its title. */
export function summary(type: NodeType, config: Record<string, unknown>): string | undefined {
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (type) {
    case 'llm':
    case 'agent': {
      const models = config.models as Array<{ model?: string }> | undefined;
      return models?.[0]?.model ?? s(config.agentId);
    }
    case 'tool':
      return s(config.name) ?? s(config.toolName) ?? s(config.functionArn)?.split(':').at(-1);
    case 'wait':
      return config.mode === 'duration' ? `${String(config.seconds)} s` : config.mode === 'event' ? s(config.eventName) : s(config.timestamp);
    case 'loop':
      return config.mode === 'for_each' ? `for each ${s(config.items) ?? ''}` : `while (max ${String(config.maxIterations)})`;
    case 'subworkflow':
      return s(config.workflowId);
    case 'transform':
      return s(config.mode);
    case 'human_input':
      return s(config.prompt)?.slice(0, 40);
    default:
      return undefined;
  }
}
