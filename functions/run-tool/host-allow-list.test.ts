import { checkHttpUrl, hostAllowed, parseHttpUrl } from './host-allow-list';

describe('hostAllowed', () => {
  it.each([
    ['api.example.com', ['api.example.com'], true],
    ['API.Example.COM', ['api.example.com'], true],
    ['api.example.com.', ['api.example.com'], true],
    ['api.example.com', ['*.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['evilexample.com', ['*.example.com'], false],
    ['example.com.evil.io', ['example.com'], false],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.2', ['127.0.0.1'], false],
    ['[::1]', ['[::1]'], true],
    ['anything', [], false],
    ['anything', ['*'], false],
    ['', [''], false],
  ])('%s with %j -> %p', (host, list, expected) => {
    expect(hostAllowed(host, list)).toBe(expected);
  });
});

describe('parseHttpUrl / checkHttpUrl', () => {
  it('accepts http and https URLs on allowed hosts', () => {
    const r = checkHttpUrl('https://api.example.com:8443/v1?q=1', ['api.example.com']);
    expect(r.ok && r.url.port).toBe('8443');
  });

  it.each([
    ['relative/path', 'is not an absolute URL'],
    ['javascript:alert(1)', 'scheme "javascript:" is not allowed'],
    ['file:///etc/passwd', 'scheme "file:" is not allowed'],
    ['https://u:p@api.example.com/', 'embedded credentials'],
  ])('refuses %s', (raw, reason) => {
    const r = parseHttpUrl(raw);
    expect(r.ok ? 'accepted' : r.reason).toContain(reason);
  });

  it('names the host and the list when the host is refused', () => {
    expect(checkHttpUrl('http://169.254.169.254/latest/meta-data', ['api.example.com'])).toEqual({ ok: false, reason: 'host "169.254.169.254" is not on the allow-list (api.example.com)' });
  });
});
