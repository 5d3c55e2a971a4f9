/**
 * Vite configuration of the editor, as a function: build.ts and the benchmark pass it to Vite's
 * JS API (`build()`) with `configFile: false`; vite.config.ts exports it for `vite.build({ root })`
 * (what `npm start` runs when the editor is not built yet). Never a spawned CLI.
 *
 * JSX uses Vite 8's built-in Oxc transform with React's automatic runtime
 * (@vitejs/plugin-react is not needed for a production build).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { InlineConfig, Plugin } from 'vite';

const root = __dirname;
const repoRoot = path.resolve(root, '..');

const TEMPLATES = 'virtual:stepflow-templates';

/**
 * The templates gallery's module: one lazy import per examples/*.json (each its own chunk).
 * (A plugin rather than `import.meta.glob`, which Vite 8's bundled build left untransformed here.)
 */
function templatesPlugin(): Plugin {
  const dir = path.join(repoRoot, 'examples');
  return {
    name: 'stepflow-templates',
    resolveId: (id) => (id === TEMPLATES ? `\0${TEMPLATES}` : undefined),
    load(id) {
      if (id !== `\0${TEMPLATES}`) return undefined;
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
      const entries = files.map((f) => `  ${JSON.stringify(f.replace(/\.json$/, ''))}: () => import(${JSON.stringify(path.join(dir, f))}).then((m) => m.default),`);
      return `export default {\n${entries.join('\n')}\n};\n`;
    },
  };
}

/** The editor's Vite config; `outDir` defaults to frontend/dist. */
export function editorViteConfig(options: { outDir?: string; mode?: 'production' | 'development' } = {}): InlineConfig {
  return {
    configFile: false,
    root,
    base: './',
    mode: options.mode ?? 'production',
    logLevel: 'warn',
    resolve: { alias: { '@shared': path.join(repoRoot, 'shared', 'src'), '@examples': path.join(repoRoot, 'examples') } },
    oxc: { jsx: { runtime: 'automatic' } },
    plugins: [templatesPlugin()],
    server: { fs: { allow: [repoRoot] } },
    build: {
      outDir: options.outDir ?? path.join(root, 'dist'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      chunkSizeWarningLimit: 1500,
      // Modern browsers only; the polyfill also fails to resolve through a symlinked node_modules.
      modulePreload: { polyfill: false },
      rolldownOptions: {
        onwarn(warning, warn) {
          // React Flow's "use client" marker means nothing in a client-only bundle.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
      },
    },
  };
}

