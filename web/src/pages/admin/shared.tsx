import type { ReactNode } from 'react';
import type { Department, Role } from '../../api/types.ts';
import type { ApiState } from '../../api/useApi.ts';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { ROLES } from '../../api/types.ts';
import { Badge } from '../../components/Badge.tsx';
import { type Lang, localized, type MessageKey, useI18n } from '../../i18n/index.ts';
import { Field } from '../../components/Field.tsx';

export function roleKey(role: Role): MessageKey {
  return `role.${role}`;
}

export function departmentName(id: string | null, departments: readonly Department[], lang: Lang): string {
  if (!id) return '';
  const department = departments.find((candidate) => candidate.id === id);
  return department ? localized(department.name, lang) : id;
}

export function RoleBadges({ roles }: { roles: readonly Role[] }) {
  const { t } = useI18n();
  return (
    <span className="badge-list">
      {roles.map((role) => (
        <Badge key={role} tone={role === 'admin' ? 'warning' : 'info'}>
          {t(roleKey(role))}
        </Badge>
      ))}
    </span>
  );
}

/** An optional department select, with a leading "none". */
export function DepartmentField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  departments: readonly Department[];
}) {
  const { t, lang } = useI18n();
  return (
    <Field id={props.id} label={props.label} optional>
      <select id={props.id} data-testid={props.id} value={props.value} onChange={(e) => props.onValue(e.target.value)}>
        <option value="">{t('common.none')}</option>
        {props.departments.map((department) => (
          <option key={department.id} value={department.id}>
            {localized(department.name, lang)}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * A titled panel listing what `state` loaded: a refresh button, the error, a spinner on the first
 * load, an empty message, or the table that `children` draws from the rows.
 */
export function ListPanel<T>(props: {
  id: string;
  title: string;
  empty: string;
  state: ApiState<readonly T[]>;
  children: (rows: readonly T[]) => ReactNode;
}) {
  const { t } = useI18n();
  const { state } = props;
  return (
    <section className="panel admin-list" aria-labelledby={`${props.id}-list-title`}>
      <div className="panel-header">
        <h2 id={`${props.id}-list-title`}>{props.title}</h2>
        <button type="button" className="button button-ghost" onClick={state.reload} disabled={state.loading}>
          {t('common.refresh')}
        </button>
      </div>
      <ErrorNotice error={state.error} testId={`${props.id}-error`} />
      {state.loading && !state.data ? <Loading /> : null}
      {state.data ? (
        state.data.length === 0 ? (
          <p className="empty">{props.empty}</p>
        ) : (
          <div className="table-wrap">{props.children(state.data)}</div>
        )
      ) : null}
    </section>
  );
}

export { ROLES };
