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

  it('leaves the whole SDK external when asked', async () => {
    const dir = path.join(out, 'transform-data-ext');
    await bundleHandler({ entry: path.join(root, 'functions/transform-data/handler.ts'), outdir: dir, tsconfig, bundleSdk: false });

    expect(readFileSync(path.join(dir, 'index.cjs'), 'utf8')).toContain('require("@aws-sdk/client-eventbridge")');
  });

  it('refuses a lazy module that is imported instead of required on first use', async () => {
    const entry = path.join(root, 'functions/_shared/test-support/bundle-fixtures/imports-lazy.ts');

    await expect(bundleHandler({ entry, outdir: path.join(out, 'bad'), tsconfig })).rejects.toThrow(/is a lazy module: require\(\) it where it is first needed/);
  });
});
