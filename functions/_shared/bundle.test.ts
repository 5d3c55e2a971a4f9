import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleHandler } from './bundle';

const root = path.resolve(__dirname, '../..');
const tsconfig = path.join(root, 'tsconfig.json');

describe('bundleHandler', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'stepflow-bundle-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('emits index.cjs with the SDK bundled, first-use clients external, and lazy modules as files of their own', async () => {
    const dir = path.join(out, 'transform-data');
    await bundleHandler({ entry: path.join(root, 'functions/transform-data/handler.ts'), outdir: dir, tsconfig });

    const index = readFileSync(path.join(dir, 'index.cjs'), 'utf8');
    expect(index).toContain('require("./lazy-jsonata.cjs")');
    expect(existsSync(path.join(dir, 'lazy-jsonata.cjs'))).toBe(true);
    expect(index).not.toContain('require("@aws-sdk/client-eventbridge")');
    expect(index).toContain('require("@aws-sdk/client-s3")');
    // jsonata itself (here, one of its error messages) is in its own file, not in index.cjs.
    expect(readFileSync(path.join(dir, 'lazy-jsonata.cjs'), 'utf8')).toContain('Expected {{value}} before end of expression');
    expect(index).not.toContain('Expected {{value}} before end of expression');
  });

  it('gives the X-Ray SDK a semver that refuses SDK v2 capture instead of the real one', async () => {
    const dir = path.join(out, 'run-code');
    await bundleHandler({ entry: path.join(root, 'functions/run-code/handler.ts'), outdir: dir, tsconfig });

    const index = readFileSync(path.join(dir, 'index.cjs'), 'utf8');
    expect(index).toContain('captureAWS (AWS SDK v2) is not bundled');
    // semver's own error message is not in the bundle.
    expect(index).not.toContain('Invalid comparator');
  });

  it('leaves the whole SDK external when asked', async () => {
    const dir = path.join(out, 'transform-data-ext');
    await bundleHandler({ entry: path.join(root, 'functions/transform-data/handler.ts'), outdir: dir, tsconfig, bundleSdk: false });

    expect(readFileSync(path.join(dir, 'index.cjs'), 'utf8')).toContain('require("@aws-sdk/client-eventbridge")');
  });

  it('writes a source map without the sources, read by the stack-trace formatter on the first error (no --enable-source-maps)', async () => {
    const dir = path.join(out, 'throws');
    const fixture = path.join(root, 'functions/_shared/test-support/bundle-fixtures/throws.ts');
    await bundleHandler({ entry: fixture, outdir: dir, tsconfig, sourcemap: true });

    expect(JSON.parse(readFileSync(path.join(dir, 'index.cjs.map'), 'utf8'))).not.toHaveProperty('sourcesContent');
    // A fresh Node without source-map support: the first invocation succeeds, the second fails.
    const script = `const h=require(${JSON.stringify(path.join(dir, 'index.cjs'))}).handler;
      (async()=>{await h({});try{await h({fail:true})}catch(e){process.stdout.write(JSON.stringify({enabled:process.sourceMapsEnabled,stack:e.stack}))}})();`;
    const { enabled, stack } = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '' } }).toString()) as { enabled: boolean; stack: string };

    expect(enabled).toBe(false);
    const [head, first, second] = stack.split('\n');
    expect(head).toBe('Error: failed on purpose');
    expect(first).toBe(`    at failHere (${fixture}:7:9)`);
    // As with --enable-source-maps, an exported function keeps its minified name when the map has none for it.
    expect(second).toMatch(new RegExp(`^    at \\S+ \\(${fixture.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:10\\)$`));
  });

  it('refuses a lazy module that is imported instead of required on first use', async () => {
    const entry = path.join(root, 'functions/_shared/test-support/bundle-fixtures/imports-lazy.ts');

    await expect(bundleHandler({ entry, outdir: path.join(out, 'bad'), tsconfig })).rejects.toThrow(/is a lazy module: require\(\) it where it is first needed/);
  });
});
