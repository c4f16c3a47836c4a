import { type FormEvent, useEffect, useRef, useState } from 'react';
import { createKey, fetchKeys, revokeKey } from '../../api/endpoints.ts';
import type { ApiKey, CreatedKey, Department, Role } from '../../api/types.ts';
import { useApi } from '../../api/useApi.ts';
import { Badge } from '../../components/Badge.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Notice } from '../../components/Notice.tsx';
import { formatDateTime, useI18n } from '../../i18n/index.ts';
import { DepartmentField, departmentName, ListPanel, ROLES, roleKey } from './shared.tsx';
import { Field, TextField } from '../../components/Field.tsx';

/** Shows a freshly created key once, with a copy button; it is gone when dismissed. */
function NewKeyBox({ created, onDismiss }: { created: CreatedKey; onDismiss: () => void }) {
  const { t } = useI18n();
  const [copy, setCopy] = useState<'idle' | 'done' | 'failed'>('idle');
  const codeRef = useRef<HTMLElement>(null);
  const boxRef = useRef<HTMLElement>(null);

  // Bring the one-time key into view and announce it (again for each new key).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `created.key` is the trigger.
  useEffect(() => {
    boxRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    boxRef.current?.focus({ preventScroll: true });
  }, [created.key]);

  async function copyKey() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopy('done');
    } catch {
      // No clipboard permission (e.g. plain HTTP): select the text so Ctrl+C works.
      const node = codeRef.current;
      const selection = window.getSelection();
      if (node && selection) {
        const range = document.createRange();
        range.selectNodeContents(node);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setCopy('failed');
    }
  }

  return (
    <section className="new-key" data-testid="new-key" aria-labelledby="new-key-title" tabIndex={-1} ref={boxRef}>
      <h3 id="new-key-title">{t('keys.newTitle', { name: created.apiKey.name })}</h3>
      <p className="new-key-warning">
        <Icon name="alert" size={18} />
        <span>{t('keys.newWarning')}</span>
      </p>
      <div className="new-key-value">
        <code ref={codeRef} data-testid="new-key-value">
          {created.key}
        </code>
        <button type="button" className="button button-primary" onClick={copyKey} data-testid="new-key-copy">
          <Icon name={copy === 'done' ? 'check' : 'copy'} size={18} />
          {copy === 'done' ? t('keys.copied') : t('keys.copy')}
        </button>
      </div>
      {copy === 'failed' ? <p className="hint">{t('keys.copyFailed')}</p> : null}
      <button type="button" className="button button-secondary" onClick={onDismiss} data-testid="new-key-dismiss">
        {t('keys.dismiss')}
      </button>
    </section>
  );
}

function RevokeCell({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  if (apiKey.revokedAt) return <span className="muted">{t('common.dash')}</span>;

  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      await revokeKey(apiKey.id);
      setConfirming(false);
      onRevoked();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }

  if (!confirming) {
    return (
      <button
        type="button"
        className="button button-danger-ghost button-small"
        onClick={() => setConfirming(true)}
        data-testid={`key-revoke-${apiKey.id}`}
      >
        {t('keys.revoke')}
      </button>
    );
  }
  return (
    <div className="confirm-inline">
      <p className="hint">{t('keys.revokeQuestion')}</p>
      <div className="button-row">
        <button
          type="button"
          className="button button-danger button-small"
          onClick={revoke}
          disabled={busy}
          data-testid={`key-revoke-confirm-${apiKey.id}`}
        >
          {busy ? t('keys.revoking') : t('keys.revokeConfirm')}
        </button>
        <button type="button" className="button button-ghost button-small" onClick={() => setConfirming(false)} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
      <ErrorNotice error={error} />
    </div>
  );
}

export function KeysTab({ departments }: { departments: readonly Department[] }) {
  const { t, lang } = useI18n();
  const keys = useApi((signal) => fetchKeys(signal), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [department, setDepartment] = useState('');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<unknown>(undefined);
  const [localError, setLocalError] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setFormError(undefined);
    if (!name.trim()) {
      setLocalError(t('keys.required'));
      return;
    }
    setLocalError('');
    setBusy(true);
    try {
      const result = await createKey({ name: name.trim(), role, ...(department ? { department } : {}) });
      setCreated(result);
      setName('');
      setDepartment('');
      keys.reload();
    } catch (cause) {
      setFormError(cause);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="admin-grid">
      <section className="panel admin-form" aria-labelledby="keys-create-title">
        <div className="panel-header">
          <h2 id="keys-create-title">{t('keys.createTitle')}</h2>
        </div>
        {created ? <NewKeyBox created={created} onDismiss={() => setCreated(null)} /> : null}
        <p className="hint">{t('keys.createHint')}</p>
        <form className="form" onSubmit={submit} noValidate data-testid="key-form">
          <TextField id="key-name" label={t('keys.field.name')} autoComplete="off" value={name} onValue={setName} />
          <Field id="key-role" label={t('keys.field.role')}>
            <select id="key-role" data-testid="key-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {t(roleKey(candidate))}
                </option>
              ))}
            </select>
          </Field>
          <DepartmentField id="key-department" label={t('keys.field.department')} value={department} onValue={setDepartment} departments={departments} />
          {localError ? (
            <Notice tone="error" testId="key-form-error">
              {localError}
            </Notice>
          ) : null}
          <ErrorNotice error={formError} testId="key-form-error" />
          <button type="submit" className="button button-primary" data-testid="key-submit" disabled={busy}>
            <Icon name="key" size={18} />
            {busy ? t('keys.submitting') : t('keys.submit')}
          </button>
        </form>
      </section>
      <ListPanel id="keys" title={t('keys.listTitle')} empty={t('keys.empty')} state={keys}>
        {(rows) => (
          <table className="table" data-testid="keys-table">
            <thead>
              <tr>
                <th scope="col">{t('keys.col.name')}</th>
                <th scope="col">{t('keys.col.role')}</th>
                <th scope="col">{t('keys.col.department')}</th>
                <th scope="col">{t('keys.col.createdAt')}</th>
                <th scope="col">{t('keys.col.createdBy')}</th>
                <th scope="col">{t('keys.col.lastUsedAt')}</th>
                <th scope="col">{t('keys.col.status')}</th>
                <th scope="col">{t('keys.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((apiKey) => (
                <tr key={apiKey.id} data-testid={`key-row-${apiKey.id}`} className={apiKey.revokedAt ? 'is-muted' : undefined}>
                  <td>{apiKey.name}</td>
                  <td>{t(roleKey(apiKey.role))}</td>
                  <td>{departmentName(apiKey.department, departments, lang) || t('common.dash')}</td>
                  <td className="nowrap">{formatDateTime(apiKey.createdAt)}</td>
                  <td>{apiKey.createdBy || t('common.dash')}</td>
                  <td className="nowrap">{apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : t('keys.never')}</td>
                  <td>
                    {apiKey.revokedAt ? (
                      <Badge tone="danger">{t('keys.status.revoked')}</Badge>
                    ) : (
                      <Badge tone="success">{t('keys.status.active')}</Badge>
                    )}
                  </td>
                  <td>
                    <RevokeCell apiKey={apiKey} onRevoked={keys.reload} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListPanel>

    </div>
  );
}
