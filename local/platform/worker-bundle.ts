/**
 * Worker threads of the local platform run TypeScript modules: each is bundled with esbuild on
 * first use (our code only, packages left to node_modules), so it runs the same way under tsx,
 * jest and plain node, with no TypeScript loader in the thread.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '../..');
const bundles = new Map<string, Promise<string>>();

/**
 * The worker's code, built once per process into node_modules/.cache (so packages resolve),
 * named by its content: processes running the same code share one file, written atomically.
 * @example
 * ```ts
 * new Worker(await bundledWorker(path.join(__dirname, 'fan-out-worker.ts')));
 * ```
 */
export function bundledWorker(entry: string): Promise<string> {
  let bundled = bundles.get(entry);
  if (!bundled) {
    bundled = (async () => {
      const outdir = path.join(root, 'node_modules', '.cache', 'stepflow');
      await mkdir(outdir, { recursive: true });
      const name = path.basename(entry).replace(/\.ts$/, '');
      const result = await build({
        entryPoints: [entry],
        outfile: path.join(outdir, `${name}.cjs`),
        write: false,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        packages: 'external',
        tsconfig: path.join(root, 'tsconfig.json'),
        logLevel: 'silent',
      });
      const code = (result.outputFiles[0] as { contents: Uint8Array }).contents;
      const file = path.join(outdir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`);
      if (!existsSync(file)) {
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, code);
        await rename(tmp, file);
      }
      return file;
    })();
    bundles.set(entry, bundled);
  }
  return bundled;
}
