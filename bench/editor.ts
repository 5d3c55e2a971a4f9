/**
 * Editor benchmark: how long a 1,000-node workflow takes to open until the editor is
 * interactive, in headless Chromium against the real local platform, and the size of the
 * production bundle.
 *
 *   npm run bench:editor
 *
 * "Interactive" = the first frame that shows the workflow's nodes on the canvas (taken in a
 * requestAnimationFrame callback, after React committed them); "validated" = the in-browser
 * compiler has also checked it (issues and ASL ready), which the editor starts 120 ms after the
 * change and which blocks input while it runs. Measured from
 * navigation start for a cold page load (download, parse, sign-in, fetch, render, compile) and
 * from the click for opening it from the workflow list in an already loaded editor.
 * Target: at most 1.5 s.
 */
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import '../local/polyfills';
import { startPlatform } from '../local/platform';
import { bundleSizes, buildEditor } from '../frontend/build';
import { buildGraph, type Shape } from './graphs';

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const SHAPE = (process.env.BENCH_SHAPE ?? 'mixed') as Shape;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 1500;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Left-to-right positions by longest distance from start (what a saved, laid-out workflow has). */
function withPositions(workflow: ReturnType<typeof buildGraph>['workflow']) {
  const rank = new Map<string, number>([['start', 0]]);
  const out = new Map<string, string[]>();
  for (const e of workflow.edges) (out.get(e.source) ?? out.set(e.source, []).get(e.source) ?? []).push(e.target);
  const order: string[] = ['start'];
  for (let i = 0; i < order.length && i < 200_000; i += 1) {
    const id = order[i] as string;
    for (const t of out.get(id) ?? []) {
      const r = (rank.get(id) ?? 0) + 1;
      if (!rank.has(t)) order.push(t);
      if (r > (rank.get(t) ?? -1) && r < 2000) rank.set(t, r);
    }
  }
  const perRank = new Map<number, number>();
  return {
    ...workflow,
    nodes: workflow.nodes.map((n) => {
      const r = rank.get(n.id) ?? 0;
      const row = perRank.get(r) ?? 0;
      perRank.set(r, row + 1);
      return { ...n, position: { x: r * 250, y: row * 110 } };
    }),
  };
}

/** In the page: resolves with performance.now() at the first frame that shows the workflow on the canvas. */
const WAIT_INTERACTIVE = `new Promise((resolve) => {
  const check = () => {
    const s = globalThis.stepflow && globalThis.stepflow.editor.getState();
    const ready = s && s.nodes.length >= ${NODES} && document.querySelector('.react-flow__node[data-id="start"]');
    if (ready) resolve(performance.now());
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;
/** In the page: resolves with performance.now() once the compiler has validated the open graph. */
const WAIT_VALIDATED = `new Promise((resolve) => {
  const check = () => {
    const s = globalThis.stepflow.editor.getState();
    if (s.validation && s.validation.version === s.graphVersion) resolve(performance.now());
    else requestAnimationFrame(check);
  };
  check();
})`;

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), 'stepflow-bench-editor-'));
  const t0 = Date.now();
  const dist = await buildEditor(path.join(work, 'dist'));
  const buildMs = Date.now() - t0;
  const sizes = bundleSizes(dist);
  const initial = sizes.filter((s) => /^assets\/index-.*\.(js|css)$/.test(s.file) || s.file === 'index.html');
  const total = sizes.reduce((a, s) => a + s.bytes, 0);

  const platform = await startPlatform({ memory: true, editorDir: dist });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const graph = buildGraph(SHAPE, NODES);
    const id = `bench-${SHAPE}-${NODES}`;
    const token = await platform.devToken();
    const res = await fetch(`${platform.apiUrl}/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, workflow: withPositions(graph.workflow) }),
    });
    if (res.status !== 201) throw new Error(`create: HTTP ${res.status} ${await res.text()}`);

    const cold: number[] = [];
    const validated: number[] = [];
    const warm: number[] = [];
    const select: number[] = [];
    const compileMs: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      // Cold: a fresh page straight onto the workflow.
      await page.goto(`${platform.url}/#/w/${id}`);
      cold.push((await page.evaluate(WAIT_INTERACTIVE)) as number);
      validated.push((await page.evaluate(WAIT_VALIDATED)) as number);
      compileMs.push((await page.evaluate('globalThis.stepflow.editor.getState().validation.ms')) as number);
      // Selecting a node answers at once (the property form is generated for it).
      const s0 = (await page.evaluate('performance.now()')) as number;
      await page.locator('.react-flow__node[data-id="start"]').click();
      await page.locator('[data-props-node]').waitFor();
      select.push(((await page.evaluate('performance.now()')) as number) - s0);
      // Warm: from the workflow list of a loaded editor.
      await page.goto(`${platform.url}/#/`);
      await page.locator(`tr:has-text("${id}")`).waitFor();
      const w0 = (await page.evaluate('performance.now()')) as number;
      await page.locator(`tr:has-text("${id}")`).click();
      warm.push(((await page.evaluate(WAIT_INTERACTIVE)) as number) - w0);
      await context.close();
    }

    console.log(`editor bundle: ${sizes.length} files, ${kb(total)} in all; initial load (index.html + entry JS + CSS) ${kb(initial.reduce((a, s) => a + s.bytes, 0))} = ${kb(initial.reduce((a, s) => a + s.gzipBytes, 0))} gzip (built in ${buildMs} ms)`);
    for (const s of sizes.slice(0, 6)) console.log(`  ${s.file.padEnd(44)} ${kb(s.bytes).padStart(10)} ${kb(s.gzipBytes).padStart(10)} gzip`);
    console.log(`workflow: ${graph.nodeCount} nodes, ${graph.edgeCount} edges (${SHAPE}); ${RUNS} runs in headless Chromium`);
    const verdict = (ms: number) => (ms <= TARGET_MS ? `within the ${TARGET_MS} ms target` : `OVER the ${TARGET_MS} ms target`);
    console.log(`open until interactive, cold page load: median ${median(cold).toFixed(0)} ms (min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)}) — ${verdict(median(cold))}`);
    console.log(`open until interactive, from the workflow list: median ${median(warm).toFixed(0)} ms (min ${Math.min(...warm).toFixed(0)}, max ${Math.max(...warm).toFixed(0)}) — ${verdict(median(warm))}`);
    console.log(`open until validated (issues and ASL ready), cold page load: median ${median(validated).toFixed(0)} ms`);
    console.log(`in-browser compile of the ${graph.nodeCount}-node graph: median ${median(compileMs).toFixed(0)} ms; select a node and show its form: median ${median(select).toFixed(0)} ms`);
  } finally {
    await browser.close();
    await platform.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
