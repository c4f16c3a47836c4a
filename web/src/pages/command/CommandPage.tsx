/**
 * 城市运营指挥中心, the command center section (`/command/…`): the wall screen, one incident, and the alarm rules,
 * noise policies and silences. For operators and admins (App.tsx and the service registry guard it).
 */
import { usePageTitle } from '../../components/PageHeader.tsx';
import { useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { NotFoundPage } from '../StatusPages.tsx';
import { CenterPage } from './CenterPage.tsx';
import { IncidentPage } from './IncidentPage.tsx';
import { RulesPage } from './RulesPage.tsx';

export const COMMAND_ROOT = '/command';

export function CommandPage({ pathname }: { pathname: string }) {
  const { t } = useI18n();
  const rest = pathname.slice(COMMAND_ROOT.length);
  const incident = /^\/incidents\/([^/]+)$/.exec(rest);
  const current = rest === '' ? 'center' : rest === '/rules' ? 'rules' : incident ? 'incident' : null;
  usePageTitle(t('command.title'));
  if (!current) return <NotFoundPage />;

  return (
    <div className="page command-page" data-testid="command-page">
      <header className="overview-header command-header">
        <div>
          <h1>{t('command.title')}</h1>
          <p className="page-subtitle">{t('command.subtitle')}</p>
        </div>
        <nav className="tabs command-tabs" aria-label={t('command.tabs')}>
          <Link to="/command" className={current === 'center' ? 'tab is-current' : 'tab'} aria-current={current === 'center' ? 'page' : undefined} data-testid="command-tab-center">
            {t('command.tab.center')}
          </Link>
          <Link to="/command/rules" className={current === 'rules' ? 'tab is-current' : 'tab'} aria-current={current === 'rules' ? 'page' : undefined} data-testid="command-tab-rules">
            {t('command.tab.rules')}
          </Link>
        </nav>
      </header>
      {current === 'center' ? <CenterPage /> : current === 'rules' ? <RulesPage /> : <IncidentPage key={incident?.[1]} id={decodeURIComponent(incident?.[1] ?? '')} />}
    </div>
  );
}
