/**
 * The templates gallery: the repository's examples/*.json, each bundled as its own chunk
 * (the `virtual:stepflow-templates` module from vite.config.ts) and loaded when the gallery opens.
 */
import files from 'virtual:stepflow-templates';
import type { WorkflowDoc } from './types';

export interface Template {
  id: string;
  doc: WorkflowDoc;
}

/** Every example workflow, sorted by name. */
export async function loadTemplates(): Promise<Template[]> {
  const out = await Promise.all(Object.entries(files).map(async ([id, load]) => ({ id, doc: (await load()) as WorkflowDoc })));
  return out.filter((t) => t.doc && t.doc.schemaVersion === 1).sort((a, b) => a.doc.metadata.name.localeCompare(b.doc.metadata.name));
}

/** A template as a new draft: a copy without the example's id. */
export function fromTemplate(t: Template): WorkflowDoc {
  const doc = structuredClone(t.doc);
  const { id: _id, ...metadata } = doc.metadata;
  return { ...doc, metadata };
}
