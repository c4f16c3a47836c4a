import { type FormEvent, useState } from 'react';
import { describeError } from '../api/errors.ts';
import { useAuth } from '../auth/index.ts';
import { Notice } from '../components/Notice.tsx';
import { useI18n } from '../i18n/index.ts';
import { Link, navigate } from '../router/index.ts';
import { AuthFrame } from './AuthFrame.tsx';
import { TextField } from '../components/Field.tsx';

/** Self-registration for residents; the server gives them the `citizen` role and signs them in. */
export function RegisterPage() {
  const { t } = useI18n();
  const { register } = useAuth();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError(t('register.required'));
      return;
    }
    if (password !== confirm) {
      setError(t('register.mismatch'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const name = displayName.trim();
      await register({ username: username.trim(), password, ...(name ? { displayName: name } : {}) });
      navigate('/', { replace: true });
    } catch (cause) {
      setError(describeError(cause, t));
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t('register.title')} subtitle={t('register.subtitle')}>
      <form className="form auth-form" onSubmit={submit} noValidate>
        <TextField
          id="register-username"
          label={t('register.username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onValue={setUsername}
        />
        <TextField
          id="register-display-name"
          label={t('register.displayName')}
          optional
          autoComplete="nickname"
          value={displayName}
          onValue={setDisplayName}
        />
        <TextField
          id="register-password"
          label={t('register.password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
        />
        <TextField
          id="register-confirm"
          label={t('register.confirmPassword')}
          type="password"
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
        />
        {error ? (
          <Notice tone="error" testId="register-error">
            {error}
          </Notice>
        ) : null}
        <button type="submit" className="button button-primary button-block" data-testid="register-submit" disabled={busy}>
          {busy ? t('register.submitting') : t('register.submit')}
        </button>
      </form>
      <p className="auth-switch">
        {t('register.haveAccount')} <Link to="/login">{t('register.loginLink')}</Link>
      </p>
    </AuthFrame>
  );
}
