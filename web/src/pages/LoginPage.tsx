import { type FormEvent, useState } from 'react';
import { describeError } from '../api/errors.ts';
import { useAuth } from '../auth/index.ts';
import { Notice } from '../components/Notice.tsx';
import { useI18n } from '../i18n/index.ts';
import { Link, navigate, safeNext, useLocation } from '../router/index.ts';
import { AuthFrame } from './AuthFrame.tsx';
import { TextField } from '../components/Field.tsx';

export function LoginPage() {
  const { t } = useI18n();
  const { login } = useAuth();
  const { search } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const expired = search.get('reason') === 'expired';
  const next = safeNext(search.get('next'));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const cityId = tenant.trim();
      await login({ username: username.trim(), password, ...(cityId ? { tenant: cityId } : {}) });
      navigate(next, { replace: true });
    } catch (cause) {
      setError(describeError(cause, t));
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t('login.title')} subtitle={t('login.subtitle')}>
      {expired && !error ? <Notice tone="info">{t('auth.sessionExpired')}</Notice> : null}
      <form className="form auth-form" onSubmit={submit} noValidate aria-describedby={error ? 'login-error' : undefined}>
        <TextField
          id="login-username"
          label={t('login.username')}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onValue={setUsername}
        />
        <TextField
          id="login-password"
          label={t('login.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
        />
        <details className="advanced" data-testid="login-advanced" open={tenant !== '' ? true : undefined}>
          <summary>{t('login.advanced')}</summary>
          <TextField
            id="login-tenant"
            label={t('login.tenant')}
            optional
            hint={t('login.tenantHint')}
            name="tenant"
            autoCapitalize="none"
            spellCheck={false}
            value={tenant}
            onValue={setTenant}
          />
        </details>
        {error ? (
          <Notice tone="error" testId="login-error" id="login-error">
            {error}
          </Notice>
        ) : null}
        <button type="submit" className="button button-primary button-block" data-testid="login-submit" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
      <p className="auth-switch">
        {t('login.noAccount')}{' '}
        <Link to="/register" data-testid="register-link">
          {t('login.registerLink')}
        </Link>
      </p>
    </AuthFrame>
  );
}
