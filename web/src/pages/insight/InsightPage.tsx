/**
 * 城市洞察, insight and foresight (`/insight/…`): three dashboards (government, industry, livelihood) with KPI tiles,
 * lines with their forecast bands, district maps and tables over a chosen time range; a what-if view
 * (`/insight/what-if`) and a forecasting tool for any department (`/insight/forecast`). See src/insight/CONTRACT.md.
 */
import { usePageTitle } from '../../components/PageHeader.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { NotFoundPage } from '../StatusPages.tsx';
import { DashboardView } from './DashboardView.tsx';
import { ForecastTool } from './ForecastTool.tsx';
import { AUDIENCES, type Audience } from './model.ts';
import { WhatIfView } from './WhatIfView.tsx';

export const INSIGHT_ROOT = '/insight';

type Tab = Audience | 'what-if' | 'forecast';
const TABS: readonly Tab[] = [...AUDIENCES, 'what-if', 'forecast'];

function tabAt(rest: string): Tab | null {
  if (rest === '' || rest === '/') return 'government';
  const name = rest.slice(1);
  return (TABS as readonly string[]).includes(name) ? (name as Tab) : null;
}

export function InsightPage({ pathname }: { pathname: string }) {
  const { t } = useI18n();
  const current = tabAt(pathname.slice(INSIGHT_ROOT.length));
  usePageTitle(t('insight.title'));
  if (!current) return <NotFoundPage />;

  return (
    <div className="page insight-page" data-testid="insight-page">
      <header className="overview-header insight-header">
        <div>
          <h1>{t('insight.title')}</h1>
          <p className="page-subtitle">{t('insight.subtitle')}</p>
        </div>
        <nav className="tabs insight-tabs" aria-label={t('insight.tabs')}>
          {TABS.map((tab) => (
            <Link
              key={tab}
              to={tab === 'government' ? INSIGHT_ROOT : `${INSIGHT_ROOT}/${tab}`}
              className={current === tab ? 'tab is-current' : 'tab'}
              aria-current={current === tab ? 'page' : undefined}
              data-testid={`insight-tab-${tab}`}
            >
              {t(`insight.tab.${tab}` as MessageKey)}
            </Link>
          ))}
        </nav>
      </header>
      {current === 'what-if' ? <WhatIfView /> : current === 'forecast' ? <ForecastTool /> : <DashboardView key={current} audience={current} />}
    </div>
  );
}
