/**
 * The citizen requests section (/requests/…): its tabs (report, my reports with the unread count,
 * the department queue for officers, statistics) and the page for each path; and the frame the
 * public statistics page gets when nobody is signed in.
 */
import { type ReactNode, useEffect } from 'react';
import { useApi } from '../../api/useApi.ts';
import { useAuth } from '../../auth/index.ts';
import { BrandMark, Icon } from '../../components/Icon.tsx';
import { LangSwitch } from '../../components/LangSwitch.tsx';
import { formatNumber, type MessageKey, useI18n } from '../../i18n/index.ts';
import { Link, Redirect } from '../../router/index.ts';
import { ForbiddenPage } from '../StatusPages.tsx';
import { fetchNotifications, markNotificationsRead } from './api.ts';
import { MinePage } from './MinePage.tsx';
import { isStaff } from './model.ts';
import { QueuePage } from './QueuePage.tsx';
import { ReportPage } from './ReportPage.tsx';
import { RequestPage } from './RequestPage.tsx';
import { StatsPage } from './StatsPage.tsx';

export const REQUESTS_ROOT = '/requests';
export const PUBLIC_STATS_PATH = '/requests/stats';

interface Tab {
  id: 'new' | 'mine' | 'queue' | 'stats';
  path: string;
  key: MessageKey;
}

const TABS: readonly Tab[] = [
  { id: 'new', path: '/requests/new', key: 'requests.tab.new' },
  { id: 'mine', path: '/requests/mine', key: 'requests.tab.mine' },
  { id: 'queue', path: '/requests/queue', key: 'requests.tab.queue' },
  { id: 'stats', path: '/requests/stats', key: 'requests.tab.stats' },
];

export function RequestsPage({ pathname }: { pathname: string }) {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const staff = isStaff(user);
  // The inbox is fetched again on every move inside the section, so the unread count stays current.
  const inbox = useApi((signal) => fetchNotifications(signal), [pathname]);
  const unread = (inbox.data ?? []).filter((n) => !n.read).length;
  const rest = pathname.slice(REQUESTS_ROOT.length);
  const viewing = /^\/(?!new$|mine$|queue$|stats$)[^/]+$/.test(rest) ? decodeURIComponent(rest.slice(1)) : null;

  // Opening a request reads the messages about it.
  const reloadInbox = inbox.reload;
  useEffect(() => {
    if (!viewing) return;
    const ids = (inbox.data ?? []).filter((n) => !n.read && n.requestId === viewing).map((n) => n.id);
    if (ids.length === 0) return;
    markNotificationsRead(ids).then(reloadInbox, () => {
      // Still unread: the inbox shows them, nothing else depends on it.
    });
  }, [viewing, inbox.data, reloadInbox]);

  if (rest === '' || rest === '/') return <Redirect to={staff ? '/requests/queue' : '/requests/mine'} />;

  let page: ReactNode;
  let current: Tab['id'] | null = null;
  if (rest === '/new') {
    page = <ReportPage />;
    current = 'new';
  } else if (rest === '/mine') {
    page = <MinePage inbox={inbox} />;
    current = 'mine';
  } else if (rest === '/queue') {
    page = staff ? <QueuePage /> : <ForbiddenPage />;
    current = 'queue';
  } else if (rest === '/stats') {
    page = <StatsPage />;
    current = 'stats';
  } else {
    const id = viewing ?? decodeURIComponent(rest.slice(1));
    page = <RequestPage key={id} id={id} />;
  }

  return (
    <div className="requests-section">
      <nav className="tabs requests-tabs" aria-label={t('requests.tabs')}>
        {TABS.filter((tab) => tab.id !== 'queue' || staff).map((tab) => (
          <Link
            key={tab.id}
            to={tab.path}
            className={tab.id === current ? 'tab is-current' : 'tab'}
            aria-current={tab.id === current ? 'page' : undefined}
            data-testid={`requests-tab-${tab.id}`}
          >
            {t(tab.key)}
            {tab.id === 'mine' && unread > 0 ? (
              <span className="count-pill" data-testid="requests-unread" data-count={unread}>
                <span aria-hidden="true">{formatNumber(unread, lang)}</span>
                <span className="visually-hidden">{t('requests.inbox.unread', { count: unread })}</span>
              </span>
            ) : null}
          </Link>
        ))}
      </nav>
      {page}
    </div>
  );
}

/** The frame of the statistics page for visitors who are not signed in: brand, language, sign-in. */
export function PublicFrame({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="app-shell public-shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label={t('app.homeLink')}>
            <BrandMark size={32} />
            <span className="brand-text">{t('app.name')}</span>
            <span className="brand-short" aria-hidden="true">
              {t('app.shortName')}
            </span>
          </Link>
          <div className="topbar-tools">
            <LangSwitch />
            <Link to={`/login?next=${encodeURIComponent(PUBLIC_STATS_PATH)}`} className="public-login" data-testid="public-login">
              <Icon name="user" size={18} />
              <span>{t('login.submit')}</span>
            </Link>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="main">
        {children}
      </main>
      <footer className="footer">
        <span>{t('app.footer')}</span>
      </footer>
    </div>
  );
}

export { StatsPage };
