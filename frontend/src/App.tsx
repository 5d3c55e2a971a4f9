/**
 * The app shell: configuration, sign-in, then the workflow list or the editor, by the URL hash (router.ts).
 */
import { useEffect, useState } from 'react';
import { currentCognitoSession, loadConfig, localSignIn, rememberedLocalUser, usesCognito, type Session } from './api/session';
import type { RuntimeConfig } from './api/types';
import { Editor } from './components/Editor';
import { Home } from './components/Home';
import { SignIn } from './components/SignIn';
import { parseRoute, type Route } from './router';
import { startServices } from './services';

export function App() {
  const [config, setConfig] = useState<RuntimeConfig>();
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<string>();
  const [booting, setBooting] = useState(true);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    (async () => {
      const c = await loadConfig();
      setConfig(c);
      // Sign in again silently where possible: Amplify keeps its session; locally, the last user of this tab
      // (or the default development user on first visit).
      const s = usesCognito(c) ? await currentCognitoSession(c) : await localSignIn(c, rememberedLocalUser() ?? {});
      if (s) {
        startServices(c, s);
        setSession(s);
      }
    })()
      .catch((err: unknown) => setError((err as Error).message))
      .finally(() => setBooting(false));
  }, []);

  if (error) {
    return (
      <div className="center-page">
        <div className="card">
          <h1>Stepflow</h1>
          <p className="error-text">{error}</p>
        </div>
      </div>
    );
  }
  if (booting || !config) return <div className="center-page muted">Loading…</div>;
  if (!session) {
    return (
      <SignIn
        config={config}
        onSignedIn={(s) => {
          startServices(config, s);
          setSession(s);
        }}
      />
    );
  }
  const signOut = async () => {
    await session.signOut();
    setSession(undefined);
  };
  if (route.page === 'home') return <Home session={session} onSignOut={signOut} />;
  return <Editor route={route} />;
}
