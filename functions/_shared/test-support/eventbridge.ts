/**
 * A minimal EventBridge PutEvents endpoint on 127.0.0.1 (the AWS JSON 1.1 wire protocol) that
 * records the entries it receives and can reject chosen entries, for handler tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
}

export interface LocalEventBridge {
  readonly endpoint: string;
  readonly entries: ReceivedEntry[];
  /** Fail the next N entries with ThrottlingException (per-entry failure). */
  failNext(n: number): void;
  stop(): Promise<void>;
}

export async function startEventBridge(): Promise<LocalEventBridge> {
  const entries: ReceivedEntry[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      const input = JSON.parse(body) as { Entries: ReceivedEntry[] };
      const results = input.Entries.map((e) => {
        if (failures > 0) {
          failures -= 1;
          return { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' };
        }
        entries.push(e);
        return { EventId: `ev-${entries.length}` };
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    entries,
    failNext: (n) => {
      failures = n;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
