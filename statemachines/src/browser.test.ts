import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

describe('the compiler in a browser', () => {
  it('bundles for the browser with no Node built-ins and compiles a workflow there', async () => {
    const result = await build({
      entryPoints: [path.join(__dirname, 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'stepflowCompiler',
      write: false,
      metafile: true,
      tsconfig: path.join(__dirname, '..', '..', 'tsconfig.json'),
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:') || /\b(fs|path|crypto|child_process)\b/.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes('aws-local-stepfunctions') || i.includes('asl-validator'))).toBe(false);
    const code = result.outputFiles[0]?.text ?? '';
    // Evaluate the bundle with only browser globals: no require, process or Buffer.
    const mod = runInNewContext(`${code};stepflowCompiler`, { TextEncoder, console }) as typeof import('./index');
    const r = mod.compile({
      schemaVersion: 1,
      metadata: { name: 'b' },
      nodes: [{ id: 'start', type: 'start', config: {} }, { id: 'end', type: 'end', config: {} }],
      edges: [{ id: 'e', source: 'start', target: 'end' }],
    });
    expect(r.ok).toBe(true);
  });
});
