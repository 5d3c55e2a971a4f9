/**
 * Fixtures the data-layer tests share.
 * @example
 * ```ts
 * const graph = sampleGraph('hello');
 * ```
 */
import { workflowSchema, type Workflow } from '@shared/workflow';

export function sampleGraph(name = 'hello'): Workflow {
  return workflowSchema.parse({
    schemaVersion: 1,
    metadata: { name },
    nodes: [
      { id: 'start', type: 'start', config: {} },
      { id: 'end', type: 'end', config: {} },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'end' }],
  });
}

/** Collects every item of a paged listing, checking each page respects the limit. */
export async function collectPages<T>(fetch: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string }>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(cursor);
    if (page.items.length > limit) throw new Error(`page of ${page.items.length} exceeds limit ${limit}`);
    items.push(...page.items);
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 1000);
  return { items, pages };
}
