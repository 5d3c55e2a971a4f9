/**
 * Serves the built editor: files under one directory, `index.html` for every path that is not
 * a file (client-side routes), never anything outside the directory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export async function serveStatic(res: ServerResponse, root: string, urlPath: string): Promise<void> {
  const base = path.resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    decoded = '/';
  }
  let file = path.resolve(base, `.${path.posix.normalize(decoded)}`);
  if (file !== base && !file.startsWith(base + path.sep)) file = path.join(base, 'index.html');
  const info = await stat(file).catch(() => undefined);
  if (!info || info.isDirectory()) file = path.join(base, 'index.html');
  const final = await stat(file).catch(() => undefined);
  if (!final) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('the editor is not built: run npm run build:editor');
    return;
  }
  const immutable = /\/assets\//.test(file);
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
  createReadStream(file).pipe(res);
}
