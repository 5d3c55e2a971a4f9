/**
 * `stepflow start` (what `npm start` runs): the whole product on this machine, no AWS account.
 * Builds the editor when it has not been built, starts the platform, prints where everything is
 * and a development login, and shuts down cleanly on Ctrl+C.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPlatform } from './index';

const USAGE = `Usage: stepflow start [options]
  --port <n>        HTTP port of the editor and REST API (default 4000; 0 = any free port)
  --ws-port <n>     WebSocket port (default 4001; 0 = any free port)
  --data <dir>      where data persists across restarts (default .stepflow)
  --memory          keep nothing: a throwaway run
  --models local|real  local (default): the deterministic local model, labelled "simulated";
                    real: Bedrock with your AWS credentials and OpenAI-compatible endpoints
  --no-editor       do not build or serve the editor
  --rebuild-editor  build the editor even if a build exists
`;

const root = path.resolve(__dirname, '../..');

async function buildEditor(force: boolean, out: (s: string) => void): Promise<string | undefined> {
  const frontend = path.join(root, 'frontend');
  const dist = path.join(frontend, 'dist');
  if (!existsSync(path.join(frontend, 'index.html'))) return undefined;
  if (!force && existsSync(path.join(dist, 'index.html'))) return dist;
  out('building the editor (once; --rebuild-editor to rebuild) ...\n');
  const vite = (await import('vite')) as typeof import('vite');
  await vite.build({ root: frontend, logLevel: 'warn' });
  return dist;
}

export async function serve(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '4000' },
        'ws-port': { type: 'string', default: '4001' },
        data: { type: 'string', default: '.stepflow' },
        memory: { type: 'boolean', default: false },
        models: { type: 'string', default: 'local' },
        'no-editor': { type: 'boolean', default: false },
        'rebuild-editor': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const port = Number(values.port);
  const wsPort = Number(values['ws-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(wsPort) || wsPort < 0 || wsPort > 65535) {
    process.stderr.write(`--port and --ws-port must be port numbers\n\n${USAGE}`);
    return 2;
  }
  if (values.models !== 'local' && values.models !== 'real') {
    process.stderr.write(`--models must be local or real, not "${values.models}"\n\n${USAGE}`);
    return 2;
  }
  const editorDir = values['no-editor'] ? undefined : await buildEditor(values['rebuild-editor'], out);
  const platform = await startPlatform({
    port,
    wsPort,
    ...(values.memory ? { memory: true } : { dataDir: values.data }),
    ...(editorDir ? { editorDir } : {}),
    modelMode: values.models,
    log: (line) => process.stderr.write(`[stepflow] ${line}\n`),
  });
  const token = await platform.devToken();
  out(
    [
      '',
      'Stepflow is running on this machine (no AWS account involved).',
      '',
      `  Editor      ${editorDir ? platform.url : '(not built: the frontend is missing; --no-editor given)'}`,
      `  REST API    ${platform.apiUrl}`,
      `  WebSocket   ${platform.wsUrl}?token=<token>`,
      `  PutEvents   ${platform.eventsUrl}   (EventBridge wire format; triggers match on it)`,
      `  Webhooks    ${platform.url}/hooks/<hook id>`,
      `  S3          ${platform.s3Url} (path-style, key S3RVER/S3RVER)   DynamoDB ${platform.dynamoUrl}`,
      `  Data        ${values.memory ? 'in memory (discarded on exit)' : platform.dataDir}`,
      '',
      'Development login: tenant "local", user "developer" (the editor signs in by itself).',
      `  curl -H "authorization: Bearer $TOKEN" ${platform.apiUrl}/workflows`,
      `  TOKEN=${token}`,
      '',
      values.models === 'local' ? 'LLM and agent nodes answer with the deterministic local model; every result says "simulated".' : 'LLM and agent nodes call real providers (Bedrock with your AWS credentials, OpenAI-compatible endpoints).',
      'Ctrl+C stops.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out('\nstopping ...\n');
  await platform.close();
  return 0;
}
