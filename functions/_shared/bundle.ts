/**
 * How a Lambda handler is packaged: esbuild, minified, node22, CommonJS, into a code directory
 * whose `index.cjs` exports `handler`. The infra stack and bench/runtimes use this one
 * definition (`npm run bench:runtimes` measures every choice below). It needs esbuild plugins,
 * which CDK's NodejsFunction cannot pass: deploy the directory it writes (`Code.fromAsset` with
 * local bundling that runs `tsx functions/_shared/bundle.ts <entry> <outdir>`).
 *
 * Why the AWS SDK is bundled (DEFAULT_BUNDLE_SDK): the nodejs22.x runtime provides the SDK, but
 * loading a client from there means resolving and compiling hundreds of unminified files (the
 * DynamoDB document client and EventBridge: ~140 ms here); bundled, minified and tree-shaken
 * from the SDK's ES module builds (`mainFields`), the same clients cost ~60-80 ms. The bundle
 * grows by ~300-450 KB, which costs compile time (~0.08 ms of CPU per KB on this machine), so
 * only what a Lambda invocation runs is bundled: clients used on first use only (S3, Lambda,
 * Secrets Manager) and the credential providers Lambda never reaches stay external and load
 * from the runtime's SDK if ever needed (RUNTIME_SDK_MODULES).
 *
 * Why some code lives in files of its own: V8 compiles the whole bundle at init, code that never
 * runs included. Modules under `functions/_shared/lazy/` are required on first use (ajv,
 * jsonata); each is emitted as `lazy-<name>.cjs` beside `index.cjs` and compiled only when
 * required. Such a module must import only packages (checked here): it gets its own copy of
 * everything it imports.
 *
 * zod's classic API re-exports every locale through a namespace, which no bundler can shake;
 * Stepflow only uses English messages, so the locale index is replaced by English alone
 * (about 250 KB less per function).
 *
 * The X-Ray SDK (Powertools' tracer) loads `semver` only to check the version of an AWS SDK v2
 * passed to `captureAWS`; Stepflow traces SDK v3 clients (`captureAWSv3Client`) and has no SDK
 * v2. semver compiles its ~40 regular expressions at load (~10 ms and 28 KB of every function's
 * init), so bundles give the X-Ray SDK a `semver` whose `gte` refuses with a clear error.
 *
 * Source maps: logged stack traces name the TypeScript files. Not through Node's
 * `--enable-source-maps`, which reads and parses every loaded module's map during init (40-50 ms
 * of a node runtime's init with Node 20): a bundle written with a source map starts with
 * stack-traces-install.ts, which reads a map the first time a stack trace has a frame in its file.
 * The map carries the mappings only, not `sourcesContent` (a copy of every bundled source, about
 * three quarters of the file): a stack trace needs positions and file names, and the sources are
 * in the repository.
 */
import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions, type BuildResult, type Plugin } from 'esbuild';

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

/** The X-Ray SDK's `semver`, used only by `captureAWS` (AWS SDK v2), which Stepflow never calls (see the header). */
export const xrayWithoutSdkV2: Plugin = {
  name: 'xray-without-sdk-v2',
  setup(b) {
    b.onResolve({ filter: /^semver$/ }, (args) => (/[\\/]aws-xray-sdk-core[\\/]/.test(args.importer) ? { path: 'semver', namespace: 'xray-without-sdk-v2' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'xray-without-sdk-v2' }, () => ({
      contents: 'module.exports = { gte() { throw new Error("captureAWS (AWS SDK v2) is not bundled: trace SDK v3 clients with captureAWSv3Client"); } };',
      loader: 'js',
    }));
  },
};

/** Whether handlers are deployed with the AWS SDK bundled in (see the header). */
export const DEFAULT_BUNDLE_SDK = true;

/**
 * SDK modules left to the runtime's SDK even when bundling it: clients only ever loaded on first
 * use, and the credential providers a Lambda function never reaches (Lambda puts the function's
 * credentials in the environment, the first link of the default chain). Not
 * `@aws-sdk/token-providers`: the Bedrock runtime client imports it at module load (for Bedrock
 * API keys), and left external it loaded its own unbundled copy of the SDK core from
 * node_modules during every llm and agent init (15 files); bundled it is a few KB, and its SSO
 * refresh still loads `@aws-sdk/nested-clients` on first use only.
 */
export const RUNTIME_SDK_MODULES = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@smithy/credential-provider-imds',
];

/** Modules emitted as files of their own and required on first use. */
export const LAZY_MODULE = /[\\/]functions[\\/]_shared[\\/]lazy[\\/]([a-z0-9-]+)\.ts$/;

/** Injected first into every bundle written with a source map (see the header). */
const STACK_TRACES = [path.join(__dirname, 'stack-traces-install.ts'), path.join(__dirname, 'stack-traces.ts')];

export interface BundleOptions {
  readonly entry: string;
  /** The function's code directory; the handler is `index.handler` (index.cjs). */
  readonly outdir: string;
  /** Bundle the AWS SDK (but RUNTIME_SDK_MODULES). @default DEFAULT_BUNDLE_SDK */
  readonly bundleSdk?: boolean;
  readonly tsconfig?: string;
  readonly sourcemap?: boolean;
}

/** Replaces `require()` of a lazy module by a `require()` of its own file, and records it. */
function lazyModules(found: Map<string, string>): Plugin {
  return {
    name: 'lazy-modules',
    setup(b) {
      b.onResolve({ filter: /[\\/]lazy[\\/][a-z0-9-]+$/ }, async (args) => {
        if (args.pluginData === 'lazy-modules') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'lazy-modules' });
        const name = LAZY_MODULE.exec(resolved.path)?.[1];
        if (resolved.errors.length > 0 || name === undefined) return undefined;
        if (args.kind !== 'require-call') return { errors: [{ text: `${args.path} is a lazy module: require() it where it is first needed, never import it` }] };
        found.set(name, resolved.path);
        return { path: `./lazy-${name}.cjs`, external: true };
      });
    },
  };
}

/**
 * @example
 * ```ts
 * await bundleHandler({ entry: 'functions/invoke-llm/handler.ts', outdir: 'dist/invoke-llm' });
 * ```
 */
export async function bundleHandler(opts: BundleOptions): Promise<BuildResult<{ metafile: true }>> {
  const lazy = new Map<string, string>();
  const common = {
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    metafile: true,
    sourcemap: opts.sourcemap ?? false,
    sourcesContent: false,
    inject: opts.sourcemap ? STACK_TRACES.slice(0, 1) : [],
    legalComments: 'none',
    logLevel: 'error',
    // The ESM builds (`module`) of the AWS SDK and Smithy packages tree-shake; their CommonJS
    // builds (`main`) are one file per package that esbuild must keep whole.
    mainFields: ['module', 'main'],
    ...(opts.tsconfig ? { tsconfig: opts.tsconfig } : {}),
    external: (opts.bundleSdk ?? DEFAULT_BUNDLE_SDK) ? RUNTIME_SDK_MODULES : ['@aws-sdk/*', '@smithy/*'],
    plugins: [englishOnlyZod, xrayWithoutSdkV2, lazyModules(lazy)],
  } satisfies BuildOptions;
  const result = await build({ ...common, entryPoints: { index: opts.entry }, outdir: opts.outdir, outExtension: { '.js': '.cjs' } });
  for (const [name, file] of lazy) {
    const part = await build({ ...common, entryPoints: { [`lazy-${name}`]: file }, outdir: opts.outdir, outExtension: { '.js': '.cjs' } });
    const own = Object.keys(part.metafile.inputs).filter((input) => !input.includes('node_modules/') && path.resolve(input) !== path.resolve(file) && !STACK_TRACES.includes(path.resolve(input)));
    if (own.length > 0) throw new Error(`lazy module ${file} must import only packages, but bundles ${own.join(', ')}`);
    Object.assign(result.metafile.inputs, part.metafile.inputs);
    Object.assign(result.metafile.outputs, part.metafile.outputs);
  }
  // Plain .cjs files beside a handler (the code sandbox's runner) are loaded by path at run time.
  const dir = path.dirname(opts.entry);
  for (const f of await readdir(dir)) if (f.endsWith('.cjs')) await copyFile(path.join(dir, f), path.join(opts.outdir, f));
  return result;
}

// `tsx functions/_shared/bundle.ts <entry> <outdir>`: one function's code directory (for CDK local bundling).
if (require.main === module) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    console.error('usage: tsx functions/_shared/bundle.ts <handler.ts> <outdir>');
    process.exit(2);
  }
  bundleHandler({ entry: path.resolve(entry), outdir: path.resolve(outdir), tsconfig: path.resolve(__dirname, '../../tsconfig.json'), sourcemap: true }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
