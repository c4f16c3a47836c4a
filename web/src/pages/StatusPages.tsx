import { Icon } from '../components/Icon.tsx';
import { usePageTitle } from '../components/PageHeader.tsx';
import { Badge } from '../components/Badge.tsx';
import { useI18n } from '../i18n/index.ts';
import { Link } from '../router/index.ts';
import type { ServiceEntry } from '../services/registry.ts';

function StatusPage({ title, body, icon, testId, badge }: {
  title: string;
  body: string;
  icon: Parameters<typeof Icon>[0]['name'];
  testId: string;
  badge?: string;
}) {
  const { t } = useI18n();
  usePageTitle(title);
  return (
    <div className="page status-page" data-testid={testId}>
      <div className="status-card">
        <span className="status-icon">
          <Icon name={icon} size={40} />
        </span>
        {badge ? <Badge tone="neutral">{badge}</Badge> : null}
        <h1>{title}</h1>
        <p>{body}</p>
        <Link to="/" className="button button-primary">
          <Icon name="home" size={18} />
          {t('coming.back')}
        </Link>
      </div>
    </div>
  );
}

/** What a "coming soon" service's route shows until the capability lands. */
export function ComingSoonPage({ service }: { service: ServiceEntry }) {
  const { t } = useI18n();
  return (
    <StatusPage
      testId="coming-soon"
      icon={service.icon}
      badge={t('status.coming')}
      title={t('coming.title', { name: t(service.nameKey) })}
      body={t('coming.body')}
    />
  );
}

export function ForbiddenPage() {
  const { t } = useI18n();
  return <StatusPage testId="forbidden" icon="admin" title={t('forbidden.title')} body={t('forbidden.body')} />;
}

export function NotFoundPage() {
  const { t } = useI18n();
  return <StatusPage testId="not-found" icon="alert" title={t('notFound.title')} body={t('notFound.body')} />;
}
