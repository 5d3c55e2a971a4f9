import { gzipSync } from 'node:zlib';
import { ErrorNames, NodeError } from '@shared/errors';
import { readBody, sendJson, startHttpServer, type LocalHttpServer } from '../test-support/http-server';
import { ToolRegistry } from '../tool-registry';
import { MAX_REDIRECTS, httpRequestTool } from './http-request';

/**
 * Two servers on 127.0.0.1 (different ports = different origins):
 *   api    /json /text /echo /binary /status/404 /slow /big /big-declared /gzip-big
 *          /to-json (302 -> /json)   /to-evil (302 -> http://evil.example/)   /loop (302 -> /loop)
 *          /post-303 (303 -> /echo)  /to-other (307 -> other/echo)   /to-ftp (302 -> ftp://...)
 *   other  /echo
 */
let api: LocalHttpServer;
let other: LocalHttpServer;
const hits: string[] = [];
const hung = new Set<NodeJS.Timeout>();

async function echo(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  sendJson(res, 200, { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: await readBody(req) });
}

beforeAll(async () => {
  other = await startHttpServer((req, res) => void echo(req, res));
  api = await startHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push(`${req.method} ${path}`);
    switch (path) {
      case '/json':
        return sendJson(res, 200, { hello: 'world' }, { etag: '"v1"', 'set-cookie': 'secret=1' });
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end('plain words ✓');
      case '/echo':
        return void echo(req, res);
      case '/binary':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(Buffer.from([0, 1, 2, 255]));
      case '/bad-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{not json');
      case '/status/404':
        return sendJson(res, 404, { error: 'no such item' });
      case '/slow': {
        const t = setTimeout(() => res.end('late'), 10_000);
        hung.add(t);
        return;
      }
      case '/big': {
        // Chunked, no content-length: only counting while streaming can catch it.
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const push = (): void => {
          if (res.destroyed || sent >= 5_000_000) return void res.end();
          sent += 16_384;
          res.write(Buffer.alloc(16_384, 97), () => setImmediate(push));
        };
        return push();
      }
      case '/big-declared':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '50000000' });
        return res.write('x'); // never finishes: the declared length alone must be enough to refuse
      case '/gzip-big': {
        const zipped = gzipSync(Buffer.alloc(2_000_000, 97)); // ~2 KB on the wire, 2 MB decoded
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': zipped.length });
        return res.end(zipped);
      }
      case '/to-json':
        res.writeHead(302, { location: '/json' });
        return res.end();
      case '/to-evil':
        res.writeHead(302, { location: 'http://evil.example/steal' });
        return res.end();
      case '/to-ftp':
        res.writeHead(302, { location: 'ftp://127.0.0.1/file' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/post-303':
        res.writeHead(303, { location: '/echo' });
        return res.end();
      case '/to-other':
        res.writeHead(307, { location: `${other.origin}/echo` });
        return res.end();
      default:
        return sendJson(res, 404, { error: 'unknown path' });
    }
  });
});

afterAll(async () => {
  for (const t of hung) clearTimeout(t);
  await Promise.all([api.stop(), other.stop()]);
});

beforeEach(() => {
  hits.length = 0;
});

const tool = (overrides: Partial<Parameters<typeof httpRequestTool>[0]> = {}) =>
  httpRequestTool({ allowHosts: ['127.0.0.1'], timeoutMs: 2_000, maxResponseBytes: 100_000, ...overrides });

/** Runs the tool on arguments as a caller would send them (validated by the schema first). */
async function call(args: Record<string, unknown>, overrides: Partial<Parameters<typeof httpRequestTool>[0]> = {}) {
  const t = tool(overrides);
  return t.run(t.args.parse(args), {});
}

describe('http_request: results', () => {
  it('returns status, selected headers and a parsed JSON body', async () => {
    const res = await call({ url: `${api.origin}/json` });
    expect(res).toStrictEqual({
      status: 200,
      ok: true,
      url: `${api.origin}/json`,
      headers: { 'content-type': 'application/json', 'content-length': '17', etag: '"v1"' },
      body: { hello: 'world' },
      bodyEncoding: 'json',
    });
  });

  it('returns text bodies as text (decoded with the declared charset) and binary as base64', async () => {
    await expect(call({ url: `${api.origin}/text` })).resolves.toMatchObject({ body: 'plain words ✓', bodyEncoding: 'text' });
    await expect(call({ url: `${api.origin}/binary` })).resolves.toMatchObject({ body: Buffer.from([0, 1, 2, 255]).toString('base64'), bodyEncoding: 'base64' });
    await expect(call({ url: `${api.origin}/bad-json` })).resolves.toMatchObject({ body: '{not json', bodyEncoding: 'text' });
  });

  it('returns a non-2xx status as data, not as an error', async () => {
    await expect(call({ url: `${api.origin}/status/404` })).resolves.toMatchObject({ status: 404, ok: false, body: { error: 'no such item' } });
  });

  it('sends method, headers, query and a JSON body', async () => {
    const res = (await call({ method: 'POST', url: `${api.origin}/echo?a=1`, headers: { 'x-trace': 't1' }, query: { q: 'lambda', limit: 10 }, body: { n: 1 } })) as { body: Record<string, unknown> };
    expect(res.body).toMatchObject({ method: 'POST', query: { a: '1', q: 'lambda', limit: '10' }, body: '{"n":1}' });
    expect(res.body.headers).toMatchObject({ 'x-trace': 't1', 'content-type': 'application/json' });
  });

  it('sends a string body as text unless a content-type is given', async () => {
    const plain = (await call({ method: 'PUT', url: `${api.origin}/echo`, body: 'hello' })) as { body: { headers: Record<string, string>; body: string } };
    expect(plain.body.body).toBe('hello');
    expect(plain.body.headers['content-type']).toBe('text/plain; charset=utf-8');
    const csv = (await call({ method: 'PUT', url: `${api.origin}/echo`, body: 'a,b', headers: { 'Content-Type': 'text/csv' } })) as { body: { headers: Record<string, string> } };
    expect(csv.body.headers['content-type']).toBe('text/csv');
  });
});

describe('http_request: argument validation', () => {
  it.each([
    [{ url: 'not a url' }, 'url', 'is not an absolute URL'],
    [{ url: 'file:///etc/passwd' }, 'url', 'scheme "file:" is not allowed'],
    [{ url: 'ftp://127.0.0.1/x' }, 'url', 'scheme "ftp:" is not allowed'],
    [{ url: 'http://user:pw@127.0.0.1/' }, 'url', 'embedded credentials'],
    [{ url: 'http://127.0.0.1/', body: { a: 1 } }, 'body', 'a GET request cannot have a body'],
    [{ url: 'http://127.0.0.1/', headers: { Host: 'evil.example' } }, 'headers.Host', 'cannot be set'],
    [{ url: 'http://127.0.0.1/', method: 'TRACE' }, 'method', 'Invalid option'],
    [{ url: 'http://127.0.0.1/', extra: 1 }, '', 'Unrecognized key'],
  ])('%j is refused at %s', (args, path, message) => {
    const parsed = tool().args.safeParse(args);
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toContain(message);
  });

  it('describes its arguments for models, with method optional (it has a default)', () => {
    const schema = new ToolRegistry().register(tool()).jsonSchema('http_request') as { required: string[]; properties: Record<string, { description?: string }> };
    expect(schema.required).toEqual(['url']);
    expect(schema.properties.url?.description).toContain('Absolute http(s) URL');
    expect(schema.properties.method?.description).toBe('HTTP method. Default GET.');
  });
});

describe('http_request: allow-list', () => {
  it('refuses a host that is not on the list before connecting', async () => {
    const fetchSpy = jest.fn(globalThis.fetch);
    await expect(call({ url: 'http://evil.example/x' }, { fetch: fetchSpy })).rejects.toThrow('http_request refused http://evil.example/x: host "evil.example" is not on the allow-list (127.0.0.1)');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('matches wildcard entries on subdomains only', async () => {
    const fetchSpy = jest.fn(async () => new Response('{}', { headers: { 'content-type': 'application/json' } }));
    const t = tool({ allowHosts: ['*.example.com'], fetch: fetchSpy });
    await expect(t.run(t.args.parse({ url: 'https://api.example.com/x' }), {})).resolves.toMatchObject({ status: 200 });
    await expect(t.run(t.args.parse({ url: 'https://example.com/x' }), {})).rejects.toThrow('not on the allow-list');
    await expect(t.run(t.args.parse({ url: 'https://evilexample.com/x' }), {})).rejects.toThrow('not on the allow-list');
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it('follows a redirect to an allowed host', async () => {
    await expect(call({ url: `${api.origin}/to-json` })).resolves.toMatchObject({ status: 200, url: `${api.origin}/json`, body: { hello: 'world' } });
    expect(hits).toEqual(['GET /to-json', 'GET /json']);
  });

  it('refuses a redirect to a host that is not on the list, without requesting it', async () => {
    const fetchSpy = jest.fn(globalThis.fetch);
    await expect(call({ url: `${api.origin}/to-evil` }, { fetch: fetchSpy })).rejects.toThrow(
      `http_request GET ${api.origin}/to-evil: redirect (302) to http://evil.example/steal refused: host "evil.example" is not on the allow-list`,
    );
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    await expect(call({ url: `${api.origin}/to-ftp` })).rejects.toThrow('refused: scheme "ftp:" is not allowed');
  });

  it(`stops after ${MAX_REDIRECTS} redirects`, async () => {
    await expect(call({ url: `${api.origin}/loop` })).rejects.toThrow(`more than ${MAX_REDIRECTS} redirects`);
    expect(hits).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('turns a POST into a GET without body on 303', async () => {
    const res = (await call({ method: 'POST', url: `${api.origin}/post-303`, body: { a: 1 } })) as { body: { method: string; body: string } };
    expect(res.body).toMatchObject({ method: 'GET', body: '' });
  });

  it('keeps method and body on 307 but drops credentials when the origin changes', async () => {
    const res = (await call({ method: 'POST', url: `${api.origin}/to-other`, body: { a: 1 }, headers: { authorization: 'Bearer s3cret', 'x-keep': 'yes' } })) as {
      body: { method: string; body: string; headers: Record<string, string> };
    };
    expect(res.body).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(res.body.headers['x-keep']).toBe('yes');
    expect(res.body.headers.authorization).toBeUndefined();
  });
});

describe('http_request: limits and failures', () => {
  it('times out with Stepflow.Timeout', async () => {
    const started = Date.now();
    const err = await call({ url: `${api.origin}/slow` }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err).toMatchObject({ name: ErrorNames.Timeout, message: `http_request GET ${api.origin}/slow: no complete response within 200 ms` });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('aborts a streamed response as soon as it passes the size cap', async () => {
    await expect(call({ url: `${api.origin}/big` })).rejects.toThrow(`http_request GET ${api.origin}/big: response body exceeded the limit of 100000 bytes`);
  });

  it('refuses a response whose declared length is over the cap without reading it', async () => {
    await expect(call({ url: `${api.origin}/big-declared` })).rejects.toThrow('response body is 50000000 bytes, over the limit of 100000 bytes');
  });

  it('applies the cap to decoded bytes, so a small compressed body cannot expand past it', async () => {
    await expect(call({ url: `${api.origin}/gzip-big` })).rejects.toThrow('exceeded the limit of 100000 bytes');
  });

  it('reports a refused connection as Stepflow.Unavailable', async () => {
    const closed = await startHttpServer(() => undefined);
    const url = `${closed.origin}/x`;
    await closed.stop();
    await expect(call({ url })).rejects.toMatchObject({ name: ErrorNames.Unavailable, message: expect.stringContaining('connection failed (ECONNREFUSED)') });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const t = tool();
    const pending = t.run(t.args.parse({ url: `${api.origin}/slow` }), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow('aborted by the caller');
  });
});
