import type { Department, Role } from '../../api/types.ts';
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

export { ROLES };
