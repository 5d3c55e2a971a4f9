/**
 * The embedded local platform: the whole product in one process, with no AWS account.
 *
 *   AWS                      here
 *   DynamoDB                 local/dynamodb on its own thread, also on HTTP (data in
 *                            `<dataDir>/dynamodb.jsonl`, or in memory)
 *   S3                       s3rver (`<dataDir>/s3`)
 *   Step Functions           the local engine running the compiled ASL (published versions kept
 *                            in `<dataDir>/state-machines.json`)
 *   EventBridge              the local bus (pattern matcher as on AWS), PutEvents at POST /events
 *   SQS FIFO + fan-out       the local FIFO queue in front of the same fan-out logic
 *   API Gateway WebSocket    the local gateway with its @connections endpoint, the same routes
 *   API Gateway REST         node:http in front of the same routers, under /api/v1
 *   Cognito                  the development issuer (RS256 tokens, JWKS at /.well-known/jwks.json)
 *   Bedrock                  the deterministic local model (labelled `simulated` in every event)
 *
 * Only the adapters at the edge differ from AWS: the routers, the fan-out, the WebSocket routes,
 * the authenticators and the runtimes are the Lambdas' own modules.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, rename } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { Role } from '@shared/auth';
import { EVENT_SOURCE, eventDetailTypes, type LifecycleEvent } from '@shared/events';
import { workflowSchema, type Workflow } from '@shared/workflow';
import { authenticateRequest, requirePermission } from '../../functions/_shared/auth/authenticate';
import { createDevIssuer, DEV_JWKS_PATH, type DevIssuer } from '../../functions/_shared/auth/dev-issuer';
import { createJwtAuthenticator } from '../../functions/_shared/auth/jwt';
import { DynamoCallbackStore } from '../../functions/_shared/callbacks';
import {
  AgentRepository,
  ApiKeyRepository,
  AuditRepository,
  ConnectionRepository,
  ExecutionEventLog,
  ExecutionRepository,
  WorkflowRepository,
  WorkflowVersionRepository,
} from '../../functions/_shared/data';
import { tableDefinition } from '../../functions/_shared/data/table-definition';
import { dispatch, Router, type ApiRequest, type ApiResponse } from '../../functions/_shared/http/api';
import { auditWriter } from '../../functions/_shared/http/audit';
import { S3ObjectStore } from '../../functions/_shared/s3-object-store';
import { LocalStepFunctions } from '../../functions/_shared/stepfunctions';
import { stateMachineName } from '../../functions/_shared/stepfunctions/names';
import type { PublishRequest } from '../../functions/_shared/stepfunctions/port';
import { ACCESS_AUDIT_ACTIONS, accessRoutes } from '../../functions/api-access/routes';
import { AGENT_AUDIT_ACTIONS, agentRoutes } from '../../functions/api-agents/routes';
import { DynamoPauseRequests, EXECUTION_AUDIT_ACTIONS, executionRoutes } from '../../functions/api-executions/routes';
import { WORKFLOW_AUDIT_ACTIONS, workflowRoutes } from '../../functions/api-workflows/routes';
import { messageFromQueueBody } from '../../functions/fan-out-event/fan-out-event';
import { answerInput } from '../../functions/request-input/answer-input';
import { authorizeConnect } from '../../functions/ws-authorizer/ws-authorizer';
import { onConnect, onDisconnect, onMessage, type WsRouteDeps } from '../../functions/ws-routes/ws-routes';
import { aiRuntimes } from '../engine/ai-runtimes';
import { defaultRuntimes } from '../engine/default-runtimes';
import { loadEnv } from '../../functions/_shared/env';
import { builtinTools } from '../../functions/run-tool/tools';
import { inProcessClientOptions, type SdkRequestHandler } from '../dynamodb/server';
import { migrateFromDynalite } from '../dynamodb/migrate';
import { startDynamoThread } from '../dynamodb/thread';
import { LocalEngine } from '../engine';
import { LocalEventBus } from '../eventbridge/bus';
import { startWebSocketGateway, type WebSocketGateway } from '../websocket/gateway';
import { EventBacklog } from './backlog';
import { startFanOutThread, type FanOutThread } from './fan-out-thread';
import { serveStatic } from './static';
import { TriggerManager, type TriggerStarter } from './triggers';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships CommonJS without types
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<{ address: string; port: number }>; close(): Promise<void>; on(event: 'event', listener: (e: S3rverEvent) => void): void };

/** The S3 notification record s3rver emits for every object written. */
interface S3rverEvent {
  readonly Records: ReadonlyArray<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } } }>;
}

export interface PlatformOptions {
  /** Where data persists across restarts. @default `.stepflow` in the working directory */
  readonly dataDir?: string;
  /** Keep nothing: a throwaway run in a temporary directory, removed on close. */
  readonly memory?: boolean;
  /** The HTTP port (REST API, editor, hooks, PutEvents). @default 0: any free port */
  readonly port?: number;
  /** The WebSocket port. @default 0: any free port */
  readonly wsPort?: number;
  /** A built editor (frontend/dist) to serve at `/`. */
  readonly editorDir?: string;
  /** Milliseconds every Wait state lasts instead of its real duration. */
  readonly waitMs?: number;
  /** Milliseconds between retries instead of the backoff in the definition. */
  readonly retryDelayMs?: number;
  /**
   * `local` (default): every llm and agent node answers from the deterministic local model,
   * labelled `simulated`; `real`: Bedrock with the machine's AWS credentials and the
   * OpenAI-compatible endpoints workflows name (never the local model silently).
   */
  readonly modelMode?: 'local' | 'real';
  /** Multiplies every schedule trigger's interval (tests and demos). @default 1 */
  readonly scheduleScale?: number;
  /** The tenant of the development login. @default 'local' */
  readonly devTenant?: string;
  /**
   * Flow control: events in flight (produced by the engine, not yet stored and posted by the
   * fan-out) above which the engine holds new node work until watchers catch up, in all and per
   * execution; `{ limit: Infinity }` turns it off. @default { limit: 1, perExecution: 1 }
   */
  readonly eventBacklog?: { readonly limit: number; readonly perExecution?: number };
  /**
   * The DynamoDB stand-in: `local` (local/dynamodb, on its own thread, data in
   * `<dataDir>/dynamodb.jsonl`) or `dynalite` (data in `<dataDir>/dynamodb`), kept to compare.
   * @default 'local'
   */
  readonly dynamo?: 'local' | 'dynalite';
  /** Where the fan-out runs. @default 'thread' */
  readonly fanOut?: 'thread' | 'inline';
  /** Where operational messages go. @default nowhere */
  readonly log?: (line: string) => void;
}

export interface Platform {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `<url>/api/v1` */
  readonly apiUrl: string;
  /** `ws://127.0.0.1:<port>` (connect with `?token=`) */
  readonly wsUrl: string;
  /** EventBridge PutEvents endpoint (the SDK's `endpoint`). */
  readonly eventsUrl: string;
  /** The S3 endpoint (path-style). */
  readonly s3Url: string;
  readonly dynamoUrl: string;
  readonly tableName: string;
  readonly artifactsBucket: string;
  readonly dataDir: string;
  /** A development token (JWT) for a tenant and user. */
  devToken(options?: { tenantId?: string; userId?: string; roles?: readonly Role[] }): Promise<string>;
  /** The webhook secret of a tenant's workflow (after it was published with a webhook trigger). */
  hookSecret(tenantId: string, workflowId: string): string | undefined;
  /** Waits until every event so far has been fanned out. */
  settle(): Promise<void>;
  /** The parts, for tests and tools. */
  readonly parts: PlatformParts;
  close(): Promise<void>;
}

export interface PlatformParts {
  readonly engine: LocalEngine;
  readonly bus: LocalEventBus;
  readonly gateway: WebSocketGateway;
  readonly stepFunctions: LocalStepFunctions;
  readonly doc: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly executions: ExecutionRepository;
  readonly eventLog: ExecutionEventLog;
  readonly connections: ConnectionRepository;
  readonly triggers: TriggerManager;
  readonly fanOut: FanOutThread;
}

const TABLE = 'stepflow';
const ARTIFACTS = 'stepflow-artifacts';
const BUS = 'stepflow';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** s3rver accepts exactly this key pair. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Published versions, replayed in order on start so version numbers and ARNs survive restarts. */
type PublishLog = Array<Omit<PublishRequest, 'workflow'> & { workflow: unknown }>;

/**
 * @example
 * ```ts
 * const p = await startPlatform({ memory: true });
 * const token = await p.devToken();
 * await fetch(`${p.apiUrl}/workflows`, { headers: { authorization: `Bearer ${token}` } });
 * await p.close();
 * ```
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? (() => undefined);
  const devTenant = options.devTenant ?? 'local';
  const dataDir = options.memory ? await mkdtemp(path.join(tmpdir(), 'stepflow-platform-')) : path.resolve(options.dataDir ?? '.stepflow');
  await mkdir(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: Error) => log(`shutdown: ${err.message}`));
    if (options.memory) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    // ---- DynamoDB: the local engine on a thread of its own, reached without HTTP (dynalite
    // on request, for comparison).
    let dynamoUrl: string;
    let dynamoPort: (() => MessagePort) | undefined;
    let requestHandler: SdkRequestHandler | undefined;
    if ((options.dynamo ?? 'local') === 'local') {
      const journalFile = path.join(dataDir, 'dynamodb.jsonl');
      // A data folder from before local/dynamodb: its tables move into the journal once.
      if (!options.memory && !existsSync(journalFile) && existsSync(path.join(dataDir, 'dynamodb'))) {
        const moved = await migrateFromDynalite(path.join(dataDir, 'dynamodb'), journalFile);
        log(`moved ${moved.items} DynamoDB item(s) from ${path.join(dataDir, 'dynamodb')} (dynalite) into ${journalFile}`);
      }
      const db = await startDynamoThread({ ...(options.memory ? {} : { journalFile }), onError: (err) => log(`the local DynamoDB thread failed: ${err.stack ?? err.message}`) });
      closers.push(() => db.close());
      dynamoUrl = db.url;
      dynamoPort = () => db.port();
      requestHandler = db.handler();
    } else {
      const dynamoWorker = new Worker(path.join(__dirname, 'dynalite-worker.cjs'), { workerData: { path: options.memory ? undefined : path.join(dataDir, 'dynamodb') } });
      const port = await new Promise<number>((resolve, reject) => {
        dynamoWorker.once('message', (m: { port: number }) => resolve(m.port));
        dynamoWorker.once('error', reject);
      });
      closers.push(async () => {
        await new Promise<void>((resolve) => {
          dynamoWorker.once('message', () => resolve());
          dynamoWorker.postMessage('close');
        });
        await dynamoWorker.terminate();
      });
      dynamoUrl = `http://127.0.0.1:${port}`;
    }
    const dynamo = new DynamoDBClient({ endpoint: dynamoUrl, region: REGION, credentials: CREDENTIALS, ...(requestHandler ? inProcessClientOptions(requestHandler, dynamoUrl) : {}) });
    closers.push(async () => dynamo.destroy());
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: TABLE }));
    } catch {
      await dynamo.send(new CreateTableCommand(tableDefinition(TABLE)));
    }
    const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });

    // ---- S3
    const s3Server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dataDir, 's3'), configureBuckets: [{ name: ARTIFACTS }] });
    const s3Address = await s3Server.run();
    closers.push(() => s3Server.close());
    const s3Url = `http://127.0.0.1:${s3Address.port}`;
    const s3 = new S3Client({ endpoint: s3Url, region: REGION, forcePathStyle: true, credentials: S3_CREDENTIALS });
    closers.push(async () => s3.destroy());

    // ---- Repositories
    const workflows = new WorkflowRepository(doc, TABLE);
    const versions = new WorkflowVersionRepository(doc, TABLE);
    const executions = new ExecutionRepository(doc, TABLE);
    const eventLog = new ExecutionEventLog(doc, TABLE);
    const connections = new ConnectionRepository(doc, TABLE);
    const apiKeys = new ApiKeyRepository(doc, TABLE);
    const audit = new AuditRepository(doc, TABLE);
    const callbacks = new DynamoCallbackStore(doc, TABLE);

    // Executions someone asked to pause since this start (runs from before a restart are over).
    const pauseAsked = new Set<string>();
    const requestPause = executions.requestPause.bind(executions);
    executions.requestPause = async (tenantId, executionId, at) => {
      pauseAsked.add(executionId);
      return requestPause(tenantId, executionId, at);
    };

    // ---- Step Functions (the engine) and its event stream onto the bus
    const backlog = new EventBacklog(options.eventBacklog ?? { limit: 1, perExecution: 1 });
    // The built-in tools as a deployed run-tool gets them (toolsFromEnv), configured by the same
    // variables: http_request with TOOL_HTTP_ALLOW_HOSTS; s3_get/s3_put on this S3 (s3rver), for
    // the artifacts bucket and the buckets in TOOL_S3_ALLOW_BUCKETS.
    const toolEnv = loadEnv(['TOOL_HTTP_ALLOW_HOSTS', 'TOOL_HTTP_TIMEOUT_MS', 'TOOL_HTTP_MAX_BYTES', 'TOOL_S3_ALLOW_BUCKETS']);
    const tools = builtinTools({
      ...(toolEnv.TOOL_HTTP_ALLOW_HOSTS.length > 0 ? { http: { allowHosts: toolEnv.TOOL_HTTP_ALLOW_HOSTS, timeoutMs: toolEnv.TOOL_HTTP_TIMEOUT_MS, maxResponseBytes: toolEnv.TOOL_HTTP_MAX_BYTES } } : {}),
      s3: { s3, allowBuckets: [...new Set([ARTIFACTS, ...toolEnv.TOOL_S3_ALLOW_BUCKETS])] },
    });
    const tenantCache = new Map<string, string>();
    let stepFunctions!: LocalStepFunctions;
    const engine = new LocalEngine({
      runtimes: defaultRuntimes(tools).with(aiRuntimes({ tools, modelMode: options.modelMode ?? 'local' })),
      callbacks,
      ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      // The pause flag is the execution record's, as the lifecycle middleware reads it on AWS.
      // Only a pause request sets it, and every one goes through this process's repository
      // (below), so a run never asked to pause skips the read at each node.
      admit: (executionId) => backlog.admit(executionId),
      isPaused: async (executionId) => {
        if (!pauseAsked.has(executionId)) return false;
        const tenantId = tenantCache.get(executionId) ?? (await executions.tenantOf(executionId));
        if (tenantId) tenantCache.set(executionId, tenantId);
        const record = tenantId ? await executions.find(tenantId, executionId) : undefined;
        return record ? record.pauseRequested || record.status === 'PAUSED' : false;
      },
      resolveWorkflow: (workflowId, version) => {
        const arn = `arn:aws:states:local:000000000000:stateMachine:${stateMachineName(devTenant, workflowId)}`;
        const all = stepFunctions.versions(arn);
        const chosen = version === undefined ? all.at(-1) : all[version - 1];
        if (!chosen) throw new Error(`sub-workflow ${workflowId}${version === undefined ? '' : ` v${version}`} is not published`);
        return chosen.workflow;
      },
    });
    stepFunctions = new LocalStepFunctions({ engine });

    const bus = new LocalEventBus({ name: BUS, region: REGION, onDeliveryFailure: (f) => {
        const eventId = (f.event.detail as { event_id?: unknown } | undefined)?.event_id;
        if (typeof eventId === 'string') backlog.handled(eventId);
        log(`event delivery failed (${f.ruleName}): ${String(f.error)}`);
      },
    });
    // PutEvents calls are chained so events reach the bus in the order the engine produced them.
    let putChain: Promise<unknown> = Promise.resolve();
    const putLifecycle = (event: LifecycleEvent) => {
      // The pause check's tenant memory lasts as long as the run.
      if (event.type === 'execution_completed') {
        tenantCache.delete(event.execution_id);
        pauseAsked.delete(event.execution_id);
      }
      backlog.produced(event.execution_id, event.event_id);
      putChain = putChain
        .then(() => bus.putEvents([{ EventBusName: BUS, Source: EVENT_SOURCE, DetailType: eventDetailTypes[event.type], Detail: JSON.stringify(event), Time: event.timestamp }]))
        .then((r) => {
          if (r.FailedEntryCount > 0) {
            backlog.handled(event.event_id);
            log(`event rejected by the bus: ${JSON.stringify(r.Entries)}`);
          }
        })
        .catch((err: Error) => {
          backlog.handled(event.event_id);
          log(`could not put event: ${err.message}`);
        });
    };
    const unsubscribeEngine = engine.subscribe(putLifecycle);

    // ---- Fan-out (its own thread, as it is its own Lambda on AWS) and the WebSocket gateway
    let gatewayRef: WebSocketGateway | undefined;
    const fanOut = await startFanOutThread({
      mode: options.fanOut ?? 'thread',
      dynamoUrl,
      ...(dynamoPort ? { connectDynamo: dynamoPort } : {}),
      region: REGION,
      credentials: CREDENTIALS,
      tableName: TABLE,
      defaultTenant: devTenant,
      // In process: the @connections HTTP endpoint (for tools and tests) would cost a signed
      // SDK request and an HTTP round trip per frame.
      post: (connectionId, data) => gatewayRef?.postToConnection(connectionId, data) ?? 'gone',
      onHandled: (ids) => {
        for (const id of ids) backlog.handled(id);
      },
      log,
    });
    closers.push(() => fanOut.close());
    bus.putRule({
      name: 'stepflow-fan-out',
      pattern: { source: [EVENT_SOURCE] },
      targets: [
        async (event) => {
          fanOut.send(messageFromQueueBody(JSON.stringify(event)));
        },
      ],
    });

    const issuerRef: { current?: DevIssuer } = {};
    let jwt!: ReturnType<typeof createJwtAuthenticator>;
    const wsDeps = (): WsRouteDeps => ({
      connections,
      executions,
      post: async (connectionId, data) => gateway.postToConnection(connectionId, data),
      queueCatchUp: async (job) => fanOut.send(job),
      answer: async (req) => {
        const r = await answerInput({ callbacks, tasks: engine }, req);
        return { nodeId: r.nodeId, requestId: r.requestId };
      },
      logger: { error: (m, err) => log(`${m}: ${(err as Error).message}`) },
    });
    const gateway = await startWebSocketGateway({
      port: options.wsPort ?? 0,
      routeSelection: () => undefined,
      routes: {
        $connect: async (event) => {
          const query = (event as unknown as { queryStringParameters?: Record<string, string> }).queryStringParameters ?? {};
          let identity;
          try {
            identity = await authorizeConnect(query, { jwt, apiKeys });
          } catch {
            return { statusCode: 401 };
          }
          await onConnect(event.requestContext.connectionId, { tenantId: identity.tenantId, userId: identity.userId, roles: identity.roles }, wsDeps());
          return { statusCode: 200 };
        },
        $disconnect: async (event) => {
          await onDisconnect(event.requestContext.connectionId, wsDeps());
        },
        $default: async (event) => {
          await onMessage(event.requestContext.connectionId, event.body, wsDeps());
          return { statusCode: 200 };
        },
      },
    });
    closers.push(() => gateway.close());
    gatewayRef = gateway;

    // ---- Published versions survive restarts
    const publishLogFile = path.join(dataDir, 'state-machines.json');
    const publishLog: PublishLog = JSON.parse(await readFile(publishLogFile, 'utf8').catch(() => '[]')) as PublishLog;
    let triggers!: TriggerManager;
    for (const req of publishLog) await stepFunctions.publish({ ...req, workflow: workflowSchema.parse(req.workflow) });
    const savePublishLog = async () => {
      const tmp = `${publishLogFile}.tmp`;
      await writeFile(tmp, JSON.stringify(publishLog));
      await rename(tmp, publishLogFile);
    };
    const publish = stepFunctions.publish.bind(stepFunctions);
    stepFunctions.publish = async (request) => {
      const result = await publish(request);
      publishLog.push({ ...request, workflow: request.workflow });
      await savePublishLog();
      if (request.workflow) await triggers.sync(request.tenantId, request.workflowId, request.workflow as Workflow);
      return result;
    };

    // ---- HTTP: REST API, dev login, JWKS, hooks, PutEvents, editor
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
    // A fixed issuer (not the URL, whose port may change): tokens stay valid across restarts.
    const issuer = await createDevIssuer({ keyDirectory: path.join(dataDir, 'keys'), issuer: 'stepflow://local' });
    issuerRef.current = issuer;
    jwt = createJwtAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: `${url}${DEV_JWKS_PATH}` });

    const router = new Router([
      ...workflowRoutes({ workflows, versions, stepFunctions, publish: { artifacts: new S3ObjectStore(s3, ARTIFACTS) } }),
      ...executionRoutes({ workflows, versions, executions, stepFunctions, callbacks, tasks: engine, pauseRequests: new DynamoPauseRequests(doc, TABLE) }),
      ...agentRoutes({ agents: new AgentRepository(doc, TABLE) }),
      ...accessRoutes({ apiKeys, audit }),
    ]);
    const dispatchDeps = {
      authenticate: (headers: ApiRequest['headers']) => authenticateRequest(headers, { jwt, apiKeys }),
      authorize: requirePermission,
      audit: auditWriter(audit, { ...WORKFLOW_AUDIT_ACTIONS, ...EXECUTION_AUDIT_ACTIONS, ...AGENT_AUDIT_ACTIONS, ...ACCESS_AUDIT_ACTIONS }),
      log: (message: string, err: unknown) => log(`${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    };

    const starter: TriggerStarter = async ({ tenantId, workflowId, input, idempotencyKey }) => {
      const latest = await versions.latest(tenantId, workflowId);
      if (!latest?.versionArn) throw new Error(`workflow ${workflowId} has no published version`);
      const started = await stepFunctions.start({ versionArn: latest.versionArn, input, ...(idempotencyKey ? { idempotencyKey } : {}) });
      await executions.create({
        tenantId,
        executionId: started.executionArn,
        workflowId,
        version: latest.version,
        name: started.executionArn.split(':').at(-1) ?? started.executionArn,
        input,
        ...(idempotencyKey ? { idempotencyKey } : {}),
        startedAt: started.startDate,
      });
      return started.executionArn;
    };
    triggers = new TriggerManager({ bus, s3, start: starter, dataDir, log, ...(options.scheduleScale === undefined ? {} : { scheduleScale: options.scheduleScale }) });
    closers.push(async () => triggers.close());
    s3Server.on('event', (e) => {
      for (const r of e.Records) if (r.eventName.startsWith('ObjectCreated')) triggers.onObjectCreated(r.s3.bucket.name, decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')), r.s3.object.size ?? 0, r.s3.object.eTag);
    });
    // Triggers of what was published before this start.
    const seen = new Set<string>();
    for (const req of [...publishLog].reverse()) {
      const key = `${req.tenantId}\u0000${req.workflowId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await triggers.sync(req.tenantId, req.workflowId, workflowSchema.parse(req.workflow));
    }

    // Runs that were in progress when the platform last stopped cannot continue (the interpreter's
    // state lived in that process): they end as ABORTED, through the fan-out like any end, so
    // their records, logs and watchers all say so. Everything stored stays as it was.
    await abortInterrupted(doc, putLifecycle, log);

    const wsUrl = gateway.url;
    server.on('request', (req, res) => {
      void handleHttp(req, res).catch((err: Error) => {
        log(`HTTP handler failed: ${err.stack ?? err.message}`);
        if (!res.headersSent) send(res, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'INTERNAL', message: 'an internal error occurred; it has been logged', details: [] } }) });
        else res.end();
      });
    });

    let requestCount = 0;
    async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      const u = new URL(req.url ?? '/', url);
      const method = (req.method ?? 'GET').toUpperCase();
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization, content-type, idempotency-key, x-api-key, x-stepflow-signature', 'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS', 'access-control-expose-headers': 'location, etag' };
      if (method === 'OPTIONS') return send(res, { statusCode: 204, headers: cors });
      const body = await readBody(req);
      if (body === undefined) return send(res, json(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `the request body is larger than ${MAX_BODY_BYTES} bytes`, details: [] } }, cors));
      if (u.pathname.startsWith('/api/')) {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
        const query: Record<string, string> = {};
        for (const [k, v] of u.searchParams) query[k] = v;
        const response = await dispatch(router, { method, path: u.pathname, query, headers, body: body.length > 0 ? body : undefined, requestId: `local-${++requestCount}` }, dispatchDeps);
        return send(res, { ...response, headers: { ...cors, ...(response.headers ?? {}) } });
      }
      if (u.pathname === DEV_JWKS_PATH && method === 'GET') return send(res, json(200, issuer.jwks()));
      if (u.pathname === '/local/config' && method === 'GET') return send(res, json(200, { apiUrl: `${url}/api/v1`, wsUrl, auth: 'local', tenantId: devTenant }, cors));
      if (u.pathname === '/local/dev-login' && method === 'POST') {
        let requested: { tenantId?: unknown; userId?: unknown } = {};
        try {
          requested = body ? (JSON.parse(body) as typeof requested) : {};
        } catch {
          return send(res, json(400, { error: { code: 'VALIDATION', message: 'the body is not valid JSON', details: [] } }, cors));
        }
        const tenantId = typeof requested.tenantId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(requested.tenantId) ? requested.tenantId : devTenant;
        const userId = typeof requested.userId === 'string' && /^[\w.@-]{1,128}$/.test(requested.userId) ? requested.userId : 'developer';
        return send(res, json(200, { token: issuer.issueToken({ tenantId, userId, roles: ['owner'], expiresInSeconds: 12 * 3600 }), tenantId, userId }, cors));
      }
      const hook = /^\/hooks\/([A-Za-z0-9_-]{1,200})$/.exec(u.pathname);
      if (hook && method === 'POST') {
        const r = await triggers.onWebhook(hook[1] as string, req.headers['x-stepflow-signature'] as string | undefined, body);
        return send(res, json(r.statusCode, r.body, cors));
      }
      if ((u.pathname === '/events' || u.pathname === '/events/') && method === 'POST') {
        const r = await bus.handlePutEventsHttp(body, req.headers);
        return send(res, r);
      }
      if (options.editorDir && method === 'GET') return serveStatic(res, options.editorDir, u.pathname);
      return send(res, json(404, { error: { code: 'NOT_FOUND', message: `no route for ${method} ${u.pathname}`, details: [] } }, cors));
    }

    // Shutdown stops the engine first, without a word to the bus: a stop is an interruption, the
    // same as a crash, and the next start ends those runs (abortInterrupted). Then what was
    // already produced is fanned out, and the servers close.
    closers.push(async () => {
      unsubscribeEngine();
      const stopping = engine.list().filter((ex) => ex.status === 'RUNNING' || ex.status === 'PAUSED');
      for (const ex of stopping) engine.stop(ex.executionId, { error: 'Stepflow.Shutdown', cause: 'the local platform stopped' });
      await Promise.allSettled(stopping.flatMap((ex) => [ex.result, ex.stopped]));
      await putChain;
      await bus.drain();
      await fanOut.drain();
    });

    return {
      url,
      apiUrl: `${url}/api/v1`,
      wsUrl,
      eventsUrl: `${url}/events`,
      s3Url,
      dynamoUrl,
      tableName: TABLE,
      artifactsBucket: ARTIFACTS,
      dataDir,
      devToken: async (o = {}) => issuer.issueToken({ tenantId: o.tenantId ?? devTenant, userId: o.userId ?? 'developer', roles: o.roles ?? ['owner'] }),
      hookSecret: (tenantId, workflowId) => triggers.hookSecret(tenantId, workflowId),
      settle: async () => {
        await putChain;
        await bus.drain();
        await fanOut.drain();
      },
      parts: { engine, bus, gateway, stepFunctions, doc, s3, executions, eventLog, connections, triggers, fanOut },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function abortInterrupted(doc: DynamoDBDocumentClient, put: (e: LifecycleEvent) => void, log: (line: string) => void): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: 'sk = :meta AND #status IN (:running, :paused)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':meta': 'META', ':running': 'RUNNING', ':paused': 'PAUSED' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const executionId = String(item.executionId);
      const now = new Date();
      log(`run ${executionId} was interrupted by the last shutdown: marking it ABORTED`);
      put({
        type: 'execution_completed',
        event_id: `restart:${executionId}`,
        execution_id: executionId,
        timestamp: now.toISOString(),
        status: 'ABORTED',
        error: { name: 'Stepflow.PlatformRestarted', message: 'the local platform stopped while this run was in progress; start it again' },
        duration_ms: Math.max(0, now.getTime() - Date.parse(String(item.startedAt))),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function send(res: http.ServerResponse, r: { statusCode: number; headers?: Record<string, string>; body?: string }): void {
  res.writeHead(r.statusCode, r.headers ?? {});
  res.end(r.body ?? '');
}

/** The body as text, or undefined when it is over the limit. */
async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
