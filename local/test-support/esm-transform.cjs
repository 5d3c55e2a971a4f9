// Jest runs our TypeScript as CommonJS; a few dependencies (@middy/core) ship ESM only.
// This transformer turns those files into CommonJS with esbuild so jest can require them.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { loader: 'js', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return require('node:crypto').createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  },
};
