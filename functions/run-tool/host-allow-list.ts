/**
 * Host allow-lists for tools that reach out over the network (http_request, MCP servers).
 *
 * An entry is an exact host name (`api.example.com`, `127.0.0.1`, `[::1]`) or a wildcard
 * `*.example.com`, which matches any subdomain at any depth but NOT `example.com` itself (list
 * the apex separately when it is wanted: a wildcard that silently covered the apex would widen
 * what a reviewer approved). Ports are not part of an entry: an allowed host is allowed on
 * every port. Matching is on the URL's host name only; it does not resolve DNS, so an allowed
 * name that resolves to a private address is still allowed (the allow-list states intent, it
 * is not a network firewall).
 */

/** Lower-cases a host and drops a trailing dot (`Example.COM.` names the same host as `example.com`). */
function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Whether `hostname` (as `URL.hostname` gives it) is on the allow-list.
 *
 * @example
 * ```ts
 * hostAllowed('api.example.com', ['*.example.com']) // true
 * hostAllowed('example.com', ['*.example.com'])     // false: wildcards do not cover the apex
 * hostAllowed('evil.com', ['example.com'])          // false
 * ```
 */
export function hostAllowed(hostname: string, allowHosts: readonly string[]): boolean {
  const host = normalizeHost(hostname);
  if (host === '') return false;
  return allowHosts.some((raw) => {
    const entry = normalizeHost(raw);
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1); // ".example.com"
      return suffix.length > 1 && host.endsWith(suffix) && host.length > suffix.length;
    }
    return entry !== '' && host === entry;
  });
}

/**
 * Parses `raw` as an absolute http(s) URL without embedded credentials (no host check), or
 * says why not in words that name the value.
 *
 * @example
 * ```ts
 * parseHttpUrl('ftp://example.com/x') // { ok: false, reason: 'scheme "ftp:" is not allowed; use http or https' }
 * ```
 */
export function parseHttpUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `"${raw.slice(0, 200)}" is not an absolute URL (expected e.g. https://api.example.com/path)` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `scheme "${url.protocol}" is not allowed; use http or https` };
  }
  // Credentials in a URL end up in logs and in the workflow definition; headers are the place for them.
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'URLs with embedded credentials (user:password@) are not allowed; send credentials in a header' };
  }
  return { ok: true, url };
}

/**
 * {@link parseHttpUrl} plus the allow-list check on the URL's host.
 *
 * @example
 * ```ts
 * checkHttpUrl('https://evil.example/x', ['api.example.com']) // { ok: false, reason: 'host "evil.example" is not on the allow-list (api.example.com)' }
 * ```
 */
export function checkHttpUrl(raw: string, allowHosts: readonly string[]): { ok: true; url: URL } | { ok: false; reason: string } {
  const parsed = parseHttpUrl(raw);
  if (!parsed.ok) return parsed;
  if (!hostAllowed(parsed.url.hostname, allowHosts)) {
    return { ok: false, reason: `host "${parsed.url.hostname}" is not on the allow-list (${allowHosts.length ? allowHosts.join(', ') : 'empty'})` };
  }
  return parsed;
}
