/** Sign-in: the local development login (tenant and user), or Cognito (user name and password). */
import { useState } from 'react';
import { cognitoSignIn, localSignIn, usesCognito, type Session } from '../api/session';
import type { RuntimeConfig } from '../api/types';

export function SignIn({ config, onSignedIn }: { config: RuntimeConfig; onSignedIn: (s: Session) => void }) {
  const cognito = usesCognito(config);
  const [tenantId, setTenant] = useState('local');
  const [userId, setUser] = useState('developer');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [needsNew, setNeedsNew] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (!cognito) onSignedIn(await localSignIn(config, { tenantId, userId }));
      else {
        const r = await cognitoSignIn(config, username, password, needsNew ? newPassword : undefined);
        if ('next' in r) {
          if (r.next === 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED') setNeedsNew(true);
          else setError(`Sign-in needs another step (${r.next}) that this editor does not support yet.`);
        } else onSignedIn(r);
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="center-page">
      <form className="card sign-in" onSubmit={submit}>
        <h1>
          <span className="logo" /> Stepflow
        </h1>
        <p className="muted">{cognito ? 'Sign in to your workspace.' : 'Local platform: development login (no password; never on AWS).'}</p>
        {cognito ? (
          <>
            <label>
              User name or email
              <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
            </label>
            <label>
              Password
              <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
            </label>
            {needsNew && (
              <label>
                New password
                <input type="password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoComplete="new-password" required />
              </label>
            )}
          </>
        ) : (
          <>
            <label>
              Tenant
              <input value={tenantId} onChange={(e) => setTenant(e.target.value)} required />
            </label>
            <label>
              User
              <input value={userId} onChange={(e) => setUser(e.target.value)} required />
            </label>
          </>
        )}
        {error && <div className="error-text">{error}</div>}
        <button className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
