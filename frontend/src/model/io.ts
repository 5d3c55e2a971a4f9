/**
 * Import and export of workflow documents as JSON or YAML (YAML is loaded on first use).
 */
import type { WorkflowDoc } from './types';

/** Parses a JSON or YAML workflow document, checking its outer shape (the compiler checks the rest). */
export async function parseWorkflowText(text: string): Promise<WorkflowDoc> {
  let value: unknown;
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      value = JSON.parse(t);
    } catch (err) {
      throw new Error(`Not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const YAML = await import('yaml');
    try {
      value = YAML.parse(t);
    } catch (err) {
      throw new Error(`Not valid YAML: ${(err as Error).message}`);
    }
  }
  const doc = value as Partial<WorkflowDoc> | null;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('A workflow document is an object with schemaVersion, metadata, nodes and edges');
  if (doc.schemaVersion !== 1) throw new Error(`Unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)}: this editor reads version 1`);
  if (!Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) throw new Error('The document needs "nodes" and "edges" arrays');
  if (!doc.metadata || typeof doc.metadata.name !== 'string') throw new Error('The document needs metadata.name');
  return doc as WorkflowDoc;
}

/** The document as text in the chosen format. */
export async function formatWorkflow(doc: WorkflowDoc, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  const YAML = await import('yaml');
  return YAML.stringify(doc);
}

/** A file name for the document. */
export function fileNameFor(doc: WorkflowDoc, format: 'json' | 'yaml'): string {
  const base = (doc.metadata.id ?? doc.metadata.name).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'workflow';
  return `${base}.${format === 'json' ? 'json' : 'yaml'}`;
}

/** Offers text as a download. */
export function download(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
