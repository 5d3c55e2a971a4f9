/** Hash routes: `#/` the list and templates, `#/new` a new workflow, `#/w/<id>` a stored one (`?run=<execution>`). */
export type Route = { page: 'home' } | { page: 'new' } | { page: 'workflow'; id: string; run?: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = h.split('?');
  const params = new URLSearchParams(query);
  if (path === 'new') return { page: 'new' };
  const m = /^w\/(.+)$/.exec(path);
  if (m?.[1]) {
    const run = params.get('run');
    return { page: 'workflow', id: decodeURIComponent(m[1]), ...(run ? { run } : {}) };
  }
  return { page: 'home' };
}

export function hrefOf(route: Route): string {
  return route.page === 'home' ? '#/' : route.page === 'new' ? '#/new' : `#/w/${encodeURIComponent(route.id)}${route.run ? `?run=${encodeURIComponent(route.run)}` : ''}`;
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}
