/**
 * Builds the editor into frontend/dist (what the local platform serves and Amplify hosts) and
 * prints the size of every file, raw and gzipped.
 *
 *   npm run build:editor            (into frontend/dist)
 *   tsx frontend/build.ts <outDir>  (elsewhere; what the browser tests run: vite is ESM-only, jest is not)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { editorViteConfig } from './vite-config';

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** Every file of a built editor with its size, largest first. */
export function bundleSizes(outDir: string): BundleSize[] {
  const out: BundleSize[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const data = readFileSync(p);
        out.push({ file: path.relative(outDir, p), bytes: data.length, gzipBytes: gzipSync(data).length });
      }
    }
  };
  walk(outDir);
  return out.sort((a, b) => b.bytes - a.bytes);
}

/** Builds the editor; gives its output directory. */
export async function buildEditor(outDir = path.join(__dirname, 'dist')): Promise<string> {
  await build(editorViteConfig({ outDir }));
  return outDir;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (require.main === module) {
  const t0 = Date.now();
  buildEditor(process.argv[2] ? path.resolve(process.argv[2]) : undefined)
    .then((dir) => {
      const sizes = bundleSizes(dir);
      for (const s of sizes) console.log(`${s.file.padEnd(48)} ${kb(s.bytes).padStart(10)} ${kb(s.gzipBytes).padStart(10)} gzip`);
      const initial = sizes.filter((s) => /^assets\/index-.*\.(js|css)$/.test(s.file) || s.file === 'index.html');
      console.log(`initial load (index.html + entry JS + CSS): ${kb(initial.reduce((a, s) => a + s.bytes, 0))}, ${kb(initial.reduce((a, s) => a + s.gzipBytes, 0))} gzip; built in ${Date.now() - t0} ms`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
