import { fetchDepartments } from '../../api/endpoints.ts';
import { useApi } from '../../api/useApi.ts';
import { Icon, type IconName } from '../../components/Icon.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.ts';
import { Link, Redirect } from '../../router/index.ts';
import { AuditTab } from './AuditTab.tsx';
import { KeysTab } from './KeysTab.tsx';
import { UsersTab } from './UsersTab.tsx';

const TABS: readonly { id: 'users' | 'keys' | 'audit'; icon: IconName; labelKey: MessageKey }[] = [
  { id: 'users', icon: 'users', labelKey: 'admin.tab.users' },
  { id: 'keys', icon: 'key', labelKey: 'admin.tab.keys' },
  { id: 'audit', icon: 'list', labelKey: 'admin.tab.audit' },
];

/** `/admin` (users), `/admin/keys`, `/admin/audit`: each tab has its own address. */
export function AdminPage({ pathname }: { pathname: string }) {
  const { t } = useI18n();
  const departments = useApi((signal) => fetchDepartments(signal), []);
  const section = pathname.split('/')[2] ?? 'users';
  const tab = TABS.find((candidate) => candidate.id === section);
  if (!tab) return <Redirect to="/admin" />;

  const departmentList = departments.data ?? [];
  return (
    <div className="page admin-page" data-testid="admin-page">
      <PageHeader title={t('admin.title')} subtitle={t('admin.subtitle')} />
      <nav className="tabs" aria-label={t('admin.tabs')}>
        {TABS.map((candidate) => {
          const current = candidate.id === tab.id;
          return (
            <Link
              key={candidate.id}
              to={candidate.id === 'users' ? '/admin' : `/admin/${candidate.id}`}
              className={current ? 'tab is-current' : 'tab'}
              aria-current={current ? 'page' : undefined}
              data-testid={`admin-tab-${candidate.id}`}
            >
              <Icon name={candidate.icon} size={18} />
              {t(candidate.labelKey)}
            </Link>
          );
        })}
      </nav>
      <div className="tab-panel">
        {tab.id === 'users' ? <UsersTab departments={departmentList} /> : null}
        {tab.id === 'keys' ? <KeysTab departments={departmentList} /> : null}
        {tab.id === 'audit' ? <AuditTab /> : null}
      </div>
    </div>
  );
}
