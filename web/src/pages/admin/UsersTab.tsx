import { type FormEvent, useState } from 'react';
import { createUser, fetchUsers } from '../../api/endpoints.ts';
import type { Department, Role } from '../../api/types.ts';
import { useApi } from '../../api/useApi.ts';
import { Badge } from '../../components/Badge.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Notice } from '../../components/Notice.tsx';
import { formatDateTime, useI18n } from '../../i18n/index.ts';
import { DepartmentField, departmentName, ListPanel, ROLES, RoleBadges, roleKey } from './shared.tsx';
import { TextField } from '../../components/Field.tsx';

export function UsersTab({ departments }: { departments: readonly Department[] }) {
  const { t, lang } = useI18n();
  const users = useApi((signal) => fetchUsers(signal), []);

  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(['citizen']);
  const [department, setDepartment] = useState('');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<unknown>(undefined);
  const [localError, setLocalError] = useState('');
  const [created, setCreated] = useState('');

  function toggleRole(role: Role, checked: boolean) {
    setRoles((current) => (checked ? ROLES.filter((r) => r === role || current.includes(r)) : current.filter((r) => r !== role)));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setCreated('');
    setFormError(undefined);
    if (!username.trim() || !password) {
      setLocalError(t('users.required'));
      return;
    }
    if (roles.length === 0) {
      setLocalError(t('users.rolesRequired'));
      return;
    }
    setLocalError('');
    setBusy(true);
    try {
      const name = displayName.trim();
      const user = await createUser({
        username: username.trim(),
        password,
        roles,
        ...(name ? { displayName: name } : {}),
        ...(department ? { department } : {}),
      });
      setCreated(t('users.created', { username: user.username }));
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRoles(['citizen']);
      setDepartment('');
      users.reload();
    } catch (cause) {
      setFormError(cause);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="admin-grid">
      <section className="panel admin-form" aria-labelledby="users-create-title">
        <div className="panel-header">
          <h2 id="users-create-title">{t('users.createTitle')}</h2>
        </div>
        <form className="form" onSubmit={submit} noValidate data-testid="user-form">
          <TextField
            id="user-username"
            label={t('users.field.username')}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onValue={setUsername}
          />
          <TextField
            id="user-display-name"
            label={t('users.field.displayName')}
            optional
            autoComplete="off"
            value={displayName}
            onValue={setDisplayName}
          />
          <TextField
            id="user-password"
            label={t('users.field.password')}
            type="password"
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
          />
          <fieldset className="field checkbox-group" data-testid="user-roles">
            <legend>{t('users.field.roles')}</legend>
            <div className="checkbox-grid">
              {ROLES.map((role) => (
                <label key={role} className="checkbox">
                  <input
                    type="checkbox"
                    name="roles"
                    value={role}
                    data-testid={`user-role-${role}`}
                    checked={roles.includes(role)}
                    onChange={(e) => toggleRole(role, e.target.checked)}
                  />
                  <span>{t(roleKey(role))}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <DepartmentField id="user-department" label={t('users.field.department')} value={department} onValue={setDepartment} departments={departments} />
          {localError ? (
            <Notice tone="error" testId="user-form-error">
              {localError}
            </Notice>
          ) : null}
          <ErrorNotice error={formError} testId="user-form-error" />
          {created ? (
            <Notice tone="success" testId="user-created">
              {created}
            </Notice>
          ) : null}
          <button type="submit" className="button button-primary" data-testid="user-submit" disabled={busy}>
            <Icon name="users" size={18} />
            {busy ? t('users.submitting') : t('users.submit')}
          </button>
        </form>
      </section>
      <ListPanel id="users" title={t('users.listTitle')} empty={t('users.empty')} state={users}>
        {(rows) => (
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{t('users.col.username')}</th>
                <th scope="col">{t('users.col.displayName')}</th>
                <th scope="col">{t('users.col.roles')}</th>
                <th scope="col">{t('users.col.department')}</th>
                <th scope="col">{t('users.col.createdAt')}</th>
                <th scope="col">{t('users.col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((user) => (
                <tr key={user.id} data-testid={`user-row-${user.username}`}>
                  <td className="mono">{user.username}</td>
                  <td>{user.displayName || t('common.dash')}</td>
                  <td>
                    <RoleBadges roles={user.roles} />
                  </td>
                  <td>{departmentName(user.department, departments, lang) || t('common.dash')}</td>
                  <td className="nowrap">{formatDateTime(user.createdAt) || t('common.dash')}</td>
                  <td>
                    {user.disabled ? (
                      <Badge tone="neutral">{t('users.status.disabled')}</Badge>
                    ) : (
                      <Badge tone="success">{t('users.status.active')}</Badge>
                    )}
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
