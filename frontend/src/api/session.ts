/**
 * Runtime configuration and sign-in.
 *
 * Configuration, first found wins: `config.json` beside index.html (read at run time, so one
 * build serves every deployment: apiUrl, wsUrl, userPoolId, userPoolClientId, region from the CDK
 * stack outputs); the `VITE_API_URL`, `VITE_WS_URL`, `VITE_USER_POOL_ID`, `VITE_USER_POOL_CLIENT_ID`
 * and `VITE_REGION` variables of the build (what the stack's Amplify Hosting branch sets); the
 * local platform's `/local/config`.
 *
 * Sign-in: with a `userPoolId`, Cognito through aws-amplify Auth (loaded only then, so the
 * local bundle stays lean) and its ID token; otherwise the local platform's development login.
 */
import type { RuntimeConfig } from './types';

export interface Session {
  /** A bearer token for the API and the WebSocket (refreshed as needed). */
  token(): Promise<string>;
  readonly user: string;
  readonly tenant?: string;
  readonly kind: 'local' | 'cognito';
  signOut(): Promise<void>;
}

async function getJson(url: string): Promise<unknown | undefined> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) return undefined;
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('json')) return undefined;
    return await res.json();
  } catch {
    return undefined;
  }
}

function isConfig(v: unknown): v is RuntimeConfig {
  return typeof v === 'object' && v !== null && typeof (v as RuntimeConfig).apiUrl === 'string' && typeof (v as RuntimeConfig).wsUrl === 'string';
}

/** The configuration baked in at build time (Amplify Hosting's branch variables), if any. */
function buildConfig(): RuntimeConfig | undefined {
  const env = import.meta.env;
  if (!env.VITE_API_URL || !env.VITE_WS_URL) return undefined;
  const optional = (k: 'userPoolId' | 'userPoolClientId' | 'region', v: string | undefined) => (v ? { [k]: v } : {});
  return {
    apiUrl: env.VITE_API_URL.replace(/\/$/, '').endsWith('/api/v1') ? env.VITE_API_URL : `${env.VITE_API_URL.replace(/\/$/, '')}/api/v1`,
    wsUrl: env.VITE_WS_URL,
    ...optional('userPoolId', env.VITE_USER_POOL_ID),
    ...optional('userPoolClientId', env.VITE_USER_POOL_CLIENT_ID),
    ...optional('region', env.VITE_REGION),
  };
}

/** Reads the configuration (`./config.json`, the build's variables, then `/local/config`). */
export async function loadConfig(): Promise<RuntimeConfig> {
  const baked = buildConfig();
  // Both requests at once (one of them answers): config.json wins when both do.
  const [deployed, local] = await Promise.all([getJson('./config.json'), baked ? undefined : getJson('/local/config')]);
  if (isConfig(deployed)) return deployed;
  if (baked) return baked;
  if (isConfig(local)) return local;
  throw new Error('No configuration found: serve config.json (apiUrl, wsUrl, userPoolId, userPoolClientId, region) beside index.html, or open the editor from the local platform (npm start).');
}

export const usesCognito = (c: RuntimeConfig) => typeof c.userPoolId === 'string' && c.userPoolId.length > 0;

const LOCAL_KEY = 'stepflow.local-session';

/** Development login on the local platform: `POST /local/dev-login` gives a signed token. */
export async function localSignIn(config: RuntimeConfig, who: { tenantId?: string; userId?: string } = {}): Promise<Session> {
  const origin = new URL(config.apiUrl, window.location.href).origin;
  const res = await fetch(`${origin}/local/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (!res.ok) throw new Error(`The local development login failed (HTTP ${res.status}). Is the local platform running?`);
  const { token } = (await res.json()) as { token: string };
  sessionStorage.setItem(LOCAL_KEY, JSON.stringify(who));
  return {
    kind: 'local',
    user: who.userId ?? 'developer',
    ...(who.tenantId ? { tenant: who.tenantId } : {}),
    token: async () => token,
    signOut: async () => sessionStorage.removeItem(LOCAL_KEY),
  };
}

/** Who signed in locally last time in this tab (to sign in again on reload). */
export function rememberedLocalUser(): { tenantId?: string; userId?: string } | undefined {
  const raw = sessionStorage.getItem(LOCAL_KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as { tenantId?: string; userId?: string };
  } catch {
    return undefined;
  }
}

async function amplify(config: RuntimeConfig) {
  const [{ Amplify }, auth] = await Promise.all([import('aws-amplify'), import('aws-amplify/auth')]);
  Amplify.configure({ Auth: { Cognito: { userPoolId: config.userPoolId as string, userPoolClientId: config.userPoolClientId as string } } });
  return auth;
}

function cognitoSession(auth: Awaited<ReturnType<typeof amplify>>, user: string): Session {
  return {
    kind: 'cognito',
    user,
    token: async () => {
      const s = await auth.fetchAuthSession();
      const t = s.tokens?.idToken?.toString();
      if (!t) throw new Error('Signed out: sign in again');
      return t;
    },
    signOut: () => auth.signOut(),
  };
}

/** The Cognito session already signed in (Amplify keeps it), if any. */
export async function currentCognitoSession(config: RuntimeConfig): Promise<Session | undefined> {
  const auth = await amplify(config);
  try {
    const u = await auth.getCurrentUser();
    return cognitoSession(auth, u.signInDetails?.loginId ?? u.username);
  } catch {
    return undefined;
  }
}

/** Signs in to the Cognito user pool with a user name and password. */
export async function cognitoSignIn(config: RuntimeConfig, username: string, password: string, newPassword?: string): Promise<Session | { next: string }> {
  const auth = await amplify(config);
  let r = await auth.signIn({ username, password });
  if (r.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' && newPassword) r = await auth.confirmSignIn({ challengeResponse: newPassword });
  if (!r.isSignedIn) return { next: r.nextStep.signInStep };
  return cognitoSession(auth, username);
}
