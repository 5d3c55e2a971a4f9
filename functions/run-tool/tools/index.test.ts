import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { builtinTools } from '.';
import { echoTool } from './echo';

describe('builtinTools', () => {
  it('registers only the tools that need no configuration by default', () => {
    expect(builtinTools().names()).toEqual(['calculator', 'echo', 'json_transform']);
  });

  it('registers http_request and the S3 tools when their dependencies are given', () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const tools = builtinTools({ http: { allowHosts: ['api.example.com'] }, s3: { s3, allowBuckets: ['acme-data'] } });
    expect(tools.names()).toEqual(['calculator', 'echo', 'http_request', 'json_transform', 's3_get', 's3_put']);
    expect(tools.get('http_request')?.description).toContain('api.example.com');
    expect(tools.get('s3_get')?.description).toContain('acme-data');
    s3.destroy();
  });

  it('exports every tool schema as JSON Schema with a description on each field', () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const tools = builtinTools({ http: { allowHosts: ['api.example.com'] }, s3: { s3, allowBuckets: ['acme-data'] } });
    for (const name of tools.names()) {
      const schema = tools.jsonSchema(name) as { type: string; properties: Record<string, { description?: string }> };
      expect(schema.type).toBe('object');
      for (const [field, prop] of Object.entries(schema.properties)) expect({ name, field, described: typeof prop.description === 'string' && prop.description.length > 0 }).toEqual({ name, field, described: true });
    }
    s3.destroy();
  });

  it('prefers a tool-supplied JSON Schema over the derived one', () => {
    const custom = { type: 'object', properties: { q: { type: 'string' } } };
    const tools = builtinTools().register({ name: 'ext', description: 'external', args: z.record(z.string(), z.unknown()), jsonSchema: custom, run: async () => null });
    expect(tools.jsonSchema('ext')).toBe(custom);
    expect(tools.jsonSchema('missing')).toBeUndefined();
  });

  it('keeps echo returning its message unchanged', async () => {
    await expect(echoTool.run({ message: { a: [1, 'x'] } }, {})).resolves.toEqual({ message: { a: [1, 'x'] } });
    expect(() => builtinTools().register(echoTool)).toThrow('tool "echo" is already registered');
  });
});
