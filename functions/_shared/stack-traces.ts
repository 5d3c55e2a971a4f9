/**
 * Stack traces that name the TypeScript sources, for the bundles bundle.ts writes, without
 * Node's `--enable-source-maps`.
 *
 * Why: with that flag Node reads and parses the source map of every module it loads, during
 * Lambda's INIT phase, whether or not an error ever happens (about 30 ms of request-input's
 * init with Node 20, more before the maps lost `sourcesContent`). Stack traces are only formatted for errors, and most
 * invocations format none, so this formatter reads a bundle's `<file>.map` the first time a
 * stack trace has a frame in that file, and keeps it for the container's life.
 *
 * Frames are written as Node writes them with `--enable-source-maps` (name, then
 * `(source:line:column)` in the original file); a frame in a file without a map, or that the map
 * does not cover, keeps V8's own text. bundleHandler injects this module into every bundle it
 * writes (it runs first; a lazy-*.cjs file's copy finds it installed); nothing else installs
 * it, so tests and the local platform keep their own stack traces. (Node 20 and later define a
 * default `Error.prepareStackTrace`; this one replaces it and asks it for the first line.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

const maps = new Map<string, SourceMap | null>();
/** Marks the installed formatter, across the copies of this module in a bundle's files. */
const INSTALLED = Symbol.for('stepflow.lazySourceMaps');

/** What `findEntry` answers: a range, with its `name` when the map has one; `{}` when none. */
type Entry = Partial<import('node:module').SourceMapping> & { readonly name?: string };
const entryAt = (map: SourceMap, line: number | null | undefined, column: number | null | undefined): Entry => (line && column ? (map.findEntry(line - 1, column - 1) as Entry) : {});

function sourceMapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    map = null;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as import('node:module').SourceMapPayload);
    } catch {
      // An unreadable map leaves this file's frames as V8 wrote them.
    }
    maps.set(file, map);
  }
  return map;
}

/** The original name of a frame's function: the map's name at the function's start, or at the caller's call. */
function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string | undefined {
  const enclosing = entryAt(map, site.getEnclosingLineNumber(), site.getEnclosingColumnNumber());
  if (enclosing.name) return enclosing.name;
  if (caller && caller.getFileName() === site.getFileName()) return entryAt(map, caller.getLineNumber(), caller.getColumnNumber()).name || undefined;
  return undefined;
}

function frame(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const file = site.getFileName();
  const map = file ? sourceMapOf(file) : null;
  if (!file || !map) return String(site);
  const entry = entryAt(map, site.getLineNumber(), site.getColumnNumber());
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return String(site);
  // esbuild writes sources relative to the map's folder.
  const source = path.resolve(path.dirname(file), entry.originalSource);
  const typeName = site.getTypeName();
  const ownName = `${typeName !== null && typeName !== 'global' ? `${typeName}.` : ''}${site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>'}`;
  const name = originalName(map, site, caller) ?? ownName;
  const prefix = site.isAsync() ? 'async ' : site.isConstructor() ? 'new ' : '';
  return `${prefix}${name} (${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

/**
 * Formats stack traces through the bundles' source maps, loaded on first use. Does nothing when
 * Node already maps them (`--enable-source-maps`). The first line stays as Node's own formatter
 * writes it.
 *
 * @example
 * ```ts
 * installLazySourceMaps(); // first thing in a bundle (bundleHandler injects it)
 * ```
 */
export function installLazySourceMaps(): void {
  const nodeFormat = Error.prepareStackTrace as (((error: Error, trace: NodeJS.CallSite[]) => unknown) & { [INSTALLED]?: true }) | undefined;
  if (process.sourceMapsEnabled || nodeFormat?.[INSTALLED]) return;
  Error.prepareStackTrace = Object.assign(
    (error: Error, trace: NodeJS.CallSite[]) => {
      const head = nodeFormat ? String(nodeFormat(error, [])) : Error.prototype.toString.call(error);
      return head + trace.map((site, i) => `\n    at ${frame(site, trace[i + 1])}`).join('');
    },
    { [INSTALLED]: true as const },
  );
}
