/**
 * Shared by the editor's browser tests and its benchmark: build the editor once, start the real
 * local platform serving it, and launch headless Chromium (the system's, never a downloaded one).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import '../../local/polyfills';
import { startPlatform, type Platform } from '../../local/platform';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'editor');

export interface EditorHarness {
  platform: Platform;
  browser: Browser;
  distDir: string;
  close(): Promise<void>;
}

/** Builds the editor into a temporary directory and serves it from a fresh in-memory platform. */
export async function startEditorHarness(options: { waitMs?: number } = {}): Promise<EditorHarness> {
  const work = await mkdtemp(path.join(tmpdir(), 'stepflow-editor-'));
  const distDir = path.join(work, 'dist');
  // Vite is ESM-only and jest runs CommonJS: the build runs in its own process (Vite's JS API, see build.ts).
  await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', 'build.ts'), distDir], { timeout: 120_000 });
  const platform = await startPlatform({ memory: true, editorDir: distDir, retryDelayMs: 0, ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}) });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      // launch() gives every browser a fresh temporary profile (it refuses --user-data-dir).
    });
  } catch (err) {
    await platform.close();
    throw new Error(`Chromium did not start from ${CHROMIUM} (install it: apt-get install -y chromium): ${(err as Error).message}`);
  }
  return {
    platform,
    browser,
    distDir,
    async close() {
      await browser.close().catch(() => undefined);
      // Runs a failed test left live would outlive the stores they write to: stop them first.
      const token = await platform.devToken({ tenantId: 'local' });
      for (const status of ['RUNNING', 'PAUSED']) {
        const res = await fetch(`${platform.apiUrl}/executions?status=${status}&limit=100`, { headers: { authorization: `Bearer ${token}` } });
        const { items } = (await res.json()) as { items: Array<{ executionId: string }> };
        for (const e of items) await fetch(`${platform.apiUrl}/executions/${encodeURIComponent(e.executionId)}/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      }
      await platform.settle();
      await platform.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
