/**
 * How a Lambda handler is bundled: esbuild, minified, node22, CommonJS, source maps, with the
 * AWS SDK v3 left to the runtime (nodejs22.x provides it) unless asked otherwise. The infra
 * stack and bench/runtimes use this one definition.
 *
 * zod's classic API re-exports every locale through a namespace, which no bundler can shake;
 * Stepflow only uses English messages, so the locale index is replaced by English alone
 * (about 250 KB less per function).
 */
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildResult, type Plugin } from 'esbuild';

export const ZOD_LOCALES_INDEX = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.(c?js)$/;

export const englishOnlyZod: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: ZOD_LOCALES_INDEX }, (args) => ({
      contents: args.path.endsWith('.cjs') ? 'module.exports = { en: require("./en.cjs").default };' : 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** Whether handlers are deployed with the AWS SDK bundled in (see the header). */
export const DEFAULT_BUNDLE_SDK = false;

export interface BundleOptions {
  readonly entry: string;
  /** The function's code directory; the handler is `index.handler` (index.cjs). */
  readonly outdir: string;
  /** Bundle the AWS SDK too. @default DEFAULT_BUNDLE_SDK */
  readonly bundleSdk?: boolean;
  readonly tsconfig?: string;
  readonly sourcemap?: boolean;
}

/**
 * @example
 * ```ts
 * await bundleHandler({ entry: 'functions/invoke-llm/handler.ts', outdir: 'dist/invoke-llm' });
 * ```
 */
export async function bundleHandler(opts: BundleOptions): Promise<BuildResult<{ metafile: true }>> {
  const result = await build({
    entryPoints: { index: opts.entry },
    outdir: opts.outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    metafile: true,
    sourcemap: opts.sourcemap ?? false,
    legalComments: 'none',
    logLevel: 'error',
    // The ESM builds (`module`) of the AWS SDK and Smithy packages tree-shake; their CommonJS
    // builds (`main`) are one file per package that esbuild must keep whole.
    mainFields: ['module', 'main'],
    ...(opts.tsconfig ? { tsconfig: opts.tsconfig } : {}),
    external: (opts.bundleSdk ?? DEFAULT_BUNDLE_SDK) ? [] : ['@aws-sdk/*', '@smithy/*'],
    plugins: [englishOnlyZod],
  });
  // Plain .cjs files beside a handler (the code sandbox's runner) are loaded by path at run time.
  const dir = path.dirname(opts.entry);
  for (const f of await readdir(dir)) if (f.endsWith('.cjs')) await copyFile(path.join(dir, f), path.join(opts.outdir, f));
  return result;
}
