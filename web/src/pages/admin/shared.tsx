import type { Department, Role } from '../../api/types.ts';
import { ROLES } from '../../api/types.ts';
import { Badge } from '../../components/Badge.tsx';
import { type Lang, localized, type MessageKey, type Translate, useI18n } from '../../i18n/index.ts';

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

/** `<option>`s for a department select, with a leading "none". */
export function DepartmentOptions({ departments, t, lang }: { departments: readonly Department[]; t: Translate; lang: Lang }) {
  return (
    <>
      <option value="">{t('common.none')}</option>
      {departments.map((department) => (
        <option key={department.id} value={department.id}>
          {localized(department.name, lang)}
        </option>
      ))}
    </>
  );
}

export { ROLES };
