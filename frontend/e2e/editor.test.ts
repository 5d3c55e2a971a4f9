/**
 * The editor end to end, in headless Chromium against the real local platform (REST, WebSocket,
 * engine, local model): draw a workflow by dragging nodes from the palette and connecting
 * handles, watch a validation issue appear and clear, save, publish, run, watch node statuses
 * change live, survive a dropped connection, answer a human input, see the run finish; then a
 * save conflict and a stopped run. Screenshots go to test-artifacts/editor/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, startEditorHarness, type EditorHarness } from './browser';

jest.setTimeout(180_000);

let h: EditorHarness;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const status = (id: string) => page.locator(`[data-node-id="${id}"]`).getAttribute('data-status');

async function dragFromPalette(type: string, x: number, y: number) {
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  if (!box) throw new Error('no canvas');
  await page.locator(`[data-palette="${type}"]`).dragTo(pane, { targetPosition: { x, y } });
}

/** Drags from a node's source handle (by id) to another node's target handle, as a person does. */
async function connect(source: string, handle: string, target: string) {
  const from = await node(source).locator(`.react-flow__handle.source[data-handleid="${handle}"]`).boundingBox();
  const to = await node(target).locator('.react-flow__handle.target').boundingBox();
  if (!from || !to) throw new Error(`no handles for ${source}.${handle} -> ${target}`);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function issueCodes(): Promise<string[]> {
  await page.waitForTimeout(250); // the compiler runs 120 ms after the last change
  return page.evaluate(() => (globalThis as unknown as { stepflow: { editor: { getState(): { validation?: { issues: Array<{ code: string; nodeId?: string }> } } } } }).stepflow.editor.getState().validation?.issues.map((i) => `${i.code}${i.nodeId ? `@${i.nodeId}` : ''}`) ?? []);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await startEditorHarness();
  page = await h.browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

describe('the editor against the local platform', () => {
  it('draws, validates, saves, publishes, runs and watches a workflow live, answering its human input', async () => {
    await page.goto(`${h.platform.url}/`);
    await page.getByText('No workflows yet.').waitFor();
    await page.click('[data-testid="new-workflow"]');
    await node('start').waitFor();
    await page.fill('input[aria-label="Workflow name"]', 'E2E approval');

    // Draw: drag an LLM and a human-input node onto the canvas.
    await dragFromPalette('llm', 330, 330);
    await node('llm_1').waitFor();
    await dragFromPalette('human_input', 600, 330);
    await node('human_input_1').waitFor();

    // Connect start -> llm: the llm now leads nowhere, and its prompt is empty.
    await connect('start', 'out', 'llm_1');
    await page.locator('.react-flow__edge').first().waitFor();
    expect(await issueCodes()).toEqual(expect.arrayContaining(['DEAD_END@llm_1', 'INVALID_CONFIG@llm_1']));
    await page.locator('[data-node-id="llm_1"] .issue-badge').waitFor();
    // A second edge from start's single output is refused.
    await connect('start', 'out', 'human_input_1');
    expect(await page.locator('.react-flow__edge').count()).toBe(1);

    await connect('llm_1', 'out', 'human_input_1');
    await connect('human_input_1', 'out', 'end');
    expect(await page.locator('.react-flow__edge').count()).toBe(3);

    // Fill the prompts in the generated forms; the reference list offers the start input.
    await node('llm_1').click();
    const prompt = page.locator('[data-field="config.prompt"]');
    await prompt.click();
    await prompt.pressSequentially('Write a haiku about {{exec');
    await page.locator('.ref-suggestions li', { hasText: 'execution.id' }).click();
    await expect(prompt.inputValue()).resolves.toBe('Write a haiku about {{execution.id}}');
    await node('human_input_1').click();
    await page.locator('[data-field="config.prompt"]').fill('Publish this haiku?');
    await page.click('[data-tab="issues"]');
    await page.locator('[data-testid="validation-summary"]', { hasText: 'Compiles' }).waitFor();
    expect(await issueCodes()).toEqual([]);
    await page.click('[data-tab="asl"]');
    await expect(page.locator('[data-testid="asl"]').textContent()).resolves.toContain('"human_input_1"');
    await shot('01-drawn');

    // Save, publish.
    await page.click('[data-testid="save"]');
    await page.locator('[data-testid="save-state"]', { hasText: 'saved · rev 1' }).waitFor();
    expect(page.url()).toContain('#/w/e2e-approval');
    await page.click('[data-testid="publish"]');
    await page.locator('[data-testid="save-state"]', { hasText: 'v1 published' }).waitFor();
    await page.click('[data-tab="versions"]');
    await page.locator('[data-testid="versions"]', { hasText: 'v1' }).waitFor();

    // Run and watch.
    await page.click('[data-tab="run"]');
    await page.click('[data-testid="start-run"]');
    await page.locator('[data-node-id="llm_1"][data-status="succeeded"]').waitFor();
    await page.locator('[data-node-id="human_input_1"][data-status="waiting"]').waitFor();
    expect(await status('end')).toBeNull();
    await expect(page.locator('[data-testid="run-status"]').textContent()).resolves.toBe('RUNNING');
    await shot('02-waiting-for-input');

    // Drop the live connection: it reconnects and resumes from its last seq.
    const before = await page.evaluate(() => (globalThis as unknown as { stepflow: { runs: { getState(): { lastSeq: number } } } }).stepflow.runs.getState().lastSeq);
    await page.evaluate(() => (globalThis as unknown as { stepflow: { socket: { drop(): void } } }).stepflow.socket.drop());
    await page.locator('[data-testid="connection"]', { hasText: 'reconnecting' }).waitFor();
    await page.locator('[data-testid="connection"]', { hasText: 'open' }).waitFor();

    // Answer the human input from its generated form.
    const form = page.locator('[data-request-node="human_input_1"]');
    await form.getByText('Publish this haiku?').waitFor();
    await form.locator('[data-field="answer.approved"]').check();
    await page.click('[data-testid="answer-human_input_1"]');
    await page.locator('[data-testid="run-status"]', { hasText: 'SUCCEEDED' }).waitFor();
    await page.locator('[data-node-id="human_input_1"][data-status="succeeded"]').waitFor();
    await page.locator('[data-node-id="end"]').waitFor();
    await shot('03-succeeded');

    // Every event once, in seq order, nothing lost across the dropped connection.
    const seqs = await page.evaluate(() => (globalThis as unknown as { stepflow: { runs: { getState(): { events: Array<{ seq?: number }> } } } }).stepflow.runs.getState().events.map((e) => e.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(before);
    const types = await page.locator('[data-testid="timeline"] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types[0]).toBe('execution_started');
    expect(types).toContain('user_input_required');
    expect(types.at(-1)).toBe('execution_completed');
    // The llm's output, tokens and cost from the local model.
    await page.locator('[data-run-node="llm_1"]').click();
    const detail = await page.locator('tr.detail').textContent();
    expect(detail).toContain('simulated');
    // Its input: the prompt with the reference resolved from this run.
    expect(detail).toMatch(/Write a haiku about arn:aws:states:/);

    // The run is in the workflow's history.
    await page.click('[data-tab="history"]');
    await page.locator('[data-testid="run-history"] li', { hasText: 'SUCCEEDED' }).waitFor();
  });

  it('stops a running execution', async () => {
    await page.click('[data-tab="run"]');
    await page.click('[data-testid="new-run"]');
    await page.click('[data-testid="start-run"]');
    await page.locator('[data-node-id="human_input_1"][data-status="waiting"]').waitFor();
    await page.click('[data-testid="stop"]');
    await page.locator('[data-testid="run-status"]', { hasText: 'ABORTED' }).waitFor();
    await shot('04-stopped');
  });

  it('pauses a run at the next node boundary and resumes it', async () => {
    const token = await h.platform.devToken({ tenantId: 'local', userId: 'developer' });
    const call = (method: string, p: string, body?: unknown) =>
      fetch(`${h.platform.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const workflow = {
      schemaVersion: 1,
      metadata: { name: 'Approve then write' },
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} },
        { id: 'approve', type: 'human_input', position: { x: 250, y: 0 }, config: { prompt: 'Go on?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } },
        { id: 'write', type: 'llm', position: { x: 500, y: 0 }, config: { models: [{ provider: 'local', model: 'default' }], prompt: 'Write it' } },
        { id: 'end', type: 'end', position: { x: 750, y: 0 }, config: {} },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'approve' },
        { id: 'e2', source: 'approve', target: 'write' },
        { id: 'e3', source: 'write', target: 'end' },
      ],
    };
    expect((await call('POST', '/workflows', { id: 'approve-then-write', workflow })).status).toBe(201);
    expect((await call('POST', '/workflows/approve-then-write/publish', {})).status).toBe(201);

    await page.goto(`${h.platform.url}/#/w/approve-then-write`);
    await node('write').waitFor();
    await page.click('[data-tab="run"]');
    await page.click('[data-testid="start-run"]');
    await page.locator('[data-node-id="approve"][data-status="waiting"]').waitFor();
    await page.click('[data-testid="pause"]');
    await page.getByText('pause requested', { exact: true }).waitFor();
    await page.locator('[data-request-node="approve"] [data-field="answer.ok"]').check();
    await page.click('[data-testid="answer-approve"]');
    // The llm node is the next boundary: the run pauses there instead of running it.
    await page.locator('[data-testid="run-status"]', { hasText: 'PAUSED' }).waitFor();
    expect(await page.locator('[data-testid="timeline"] li[data-type="execution_paused"]').count()).toBe(1);
    expect(await status('end')).toBeNull();
    await shot('05-paused');
    await page.click('[data-testid="resume"]');
    await page.locator('[data-testid="run-status"]', { hasText: 'SUCCEEDED' }).waitFor();
    await page.locator('[data-node-id="write"][data-status="succeeded"]').waitFor();
  });

  it('says clearly when a save conflicts with a newer revision (409)', async () => {
    await page.goto(`${h.platform.url}/#/w/e2e-approval`);
    await node('llm_1').waitFor();
    const token = await h.platform.devToken({ tenantId: 'local', userId: 'someone-else' });
    const current = (await (await fetch(`${h.platform.apiUrl}/workflows/e2e-approval`, { headers: { authorization: `Bearer ${token}` } })).json()) as { revision: number; graph: Record<string, unknown> };
    const res = await fetch(`${h.platform.apiUrl}/workflows/e2e-approval`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revision: current.revision, workflow: { ...current.graph, metadata: { name: 'Renamed elsewhere' } } }),
    });
    expect(res.status).toBe(200);
    await page.fill('input[aria-label="Workflow name"]', 'E2E approval (mine)');
    await page.click('[data-testid="save"]');
    await page.locator('[data-testid="conflict"]').waitFor();
    await expect(page.locator('[data-testid="conflict"]').textContent()).resolves.toContain('newer revision');
    await shot('06-conflict');
    await page.click('text=Overwrite with mine');
    await page.locator('[data-testid="save-state"]', { hasText: 'saved · rev 3' }).waitFor();
  });

  it('copies, pastes, deletes, undoes and redoes with the keyboard, and lays out', async () => {
    await node('llm_1').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node('llm_2').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { stepflow: { editor: { getState(): { nodes: Array<{ id: string; selected?: boolean }> } } } }).stepflow.editor.getState().nodes.filter((n) => n.selected).map((n) => n.id))).toEqual(['llm_2']);
    await page.keyboard.press('Delete');
    await node('llm_2').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z');
    await node('llm_2').waitFor();
    await page.keyboard.press('Control+y');
    await node('llm_2').waitFor({ state: 'detached' });
    // Deleting a connected node takes its edges with it; undo brings both back.
    const edges = await page.locator('.react-flow__edge').count();
    await node('human_input_1').click();
    await page.keyboard.press('Delete');
    await node('human_input_1').waitFor({ state: 'detached' });
    expect(await page.locator('.react-flow__edge').count()).toBe(edges - 2);
    await page.keyboard.press('Control+z');
    await node('human_input_1').waitFor();
    expect(await page.locator('.react-flow__edge').count()).toBe(edges);
    const before = await node('end').boundingBox();
    await page.click('text=Layout');
    await page.waitForTimeout(100);
    expect(await node('end').boundingBox()).not.toEqual(before);
    await shot('07-laid-out');
  });

  it('exports the workflow as YAML and imports the file as a new workflow', async () => {
    await page.click('text=Export ▾');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.dropdown-menu >> text=YAML')]);
    expect(download.suggestedFilename()).toBe('e2e-approval.yaml');
    const file = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    expect(readFileSync(file, 'utf8')).toMatch(/^schemaVersion: 1\nmetadata:/);
    await page.goto(`${h.platform.url}/#/`);
    await page.locator('[data-testid="import-file"]').setInputFiles(file);
    await node('human_input_1').waitFor();
    await expect(page.locator('[data-testid="save-state"]').textContent()).resolves.toContain('not saved');
    expect(await page.locator('.react-flow__node').count()).toBe(4);
  });
});
