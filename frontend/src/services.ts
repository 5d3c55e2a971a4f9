/**
 * What the signed-in app talks to: the REST client and the live connection, created once per
 * session at start-up (main.tsx) and read by the components.
 */
import { createApiClient, type StepflowApi } from './api/client';
import { RunSocket } from './api/run-socket';
import type { Session } from './api/session';
import type { RuntimeConfig } from './api/types';
import { useEditorStore } from './store/editor-store';
import { useRunStore } from './store/run-store';

export interface Services {
  config: RuntimeConfig;
  session: Session;
  api: StepflowApi;
  socket: RunSocket;
}

let current: Services | undefined;

export function startServices(config: RuntimeConfig, session: Session): Services {
  current?.socket.close();
  const api = createApiClient({ apiUrl: config.apiUrl, token: () => session.token() });
  const socket = new RunSocket({
    url: async () => `${config.wsUrl}${config.wsUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(await session.token())}`,
    onEvent: (e) => useRunStore.getState().apply(e),
    onState: (s) => useRunStore.getState().setConnection(s),
  });
  current = { config, session, api, socket };
  // A handle for people (and browser tests) poking at a live page: drop the socket, read seqs.
  (globalThis as { stepflow?: unknown }).stepflow = { socket, runs: useRunStore, editor: useEditorStore };
  return current;
}

export function services(): Services {
  if (!current) throw new Error('not signed in');
  return current;
}
