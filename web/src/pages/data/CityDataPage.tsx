import { type ReactNode, useCallback, useMemo, useState } from 'react';
import { fetchEntityTypes, NGSI_LD } from '../../api/ngsi.ts';
import { useApi } from '../../api/useApi.ts';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useI18n } from '../../i18n/index.ts';
import { Redirect, useLocation } from '../../router/index.ts';
import { EntityMap } from './EntityMap.tsx';
import { EntityTable } from './EntityTable.tsx';
import { EntityView } from './EntityView.tsx';
import { type DataQuery, dataHref, entityIdAt, readView } from './links.ts';
import { TypeList, useTypeCounts } from './TypeList.tsx';
import { useLiveChanges } from './useLiveChanges.ts';

/** The live indicator's words; kept here until the i18n tables take them (data.live.*). */
const BADGE = { live: 'badge-success', connecting: 'badge-neutral', offline: 'badge-warning' } as const;

/** Shows whether the page follows the city's changes, and how many arrived. */
function LiveIndicator({ state, count }: { state: 'connecting' | 'live' | 'offline'; count: number }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${BADGE[state]}`} data-testid="data-live" data-state={state} role="status" aria-live="polite">
      <span aria-hidden="true">{state === 'live' ? '● ' : '○ '}</span>
      {t(`data.live.${state}`)}
      {count > 0 ? ` · ${t('data.live.changes', { count })}` : ''}
    </span>
  );
}

function EmptyState() {
  const { t } = useI18n();
  return (
    <section className="panel data-empty" data-testid="data-empty" aria-labelledby="data-empty-title">
      <span className="status-icon">
        <Icon name="data" size={40} />
      </span>
      <h2 id="data-empty-title">{t('data.empty.title')}</h2>
      <p>{t('data.empty.body')}</p>
      <p className="hint">
        {t('data.empty.developer')} <code className="mono">POST {NGSI_LD}/entities</code>
      </p>
    </section>
  );
}

/** `/data?type=…&q=…&page=…`: the entity types on the left, the selected type as a table and a map. */
function DataBrowser({
  view,
  generation,
  onRefresh,
  onLiveChange,
}: {
  view: Required<DataQuery>;
  generation: number;
  onRefresh: () => void;
  onLiveChange: () => void;
}) {
  const { t } = useI18n();
  const types = useApi((signal) => fetchEntityTypes(signal), [generation]);
  const sorted = useMemo(
    () => (types.data ? [...types.data].sort((a, b) => a.typeName.localeCompare(b.typeName)) : undefined),
    [types.data],
  );
  const counts = useTypeCounts(sorted);
  const info = sorted?.find((type) => type.typeName === view.type);
  // The table and the map reload (at most once a second) when entities of the shown type change.
  const live = useLiveChanges(view.type, view.q, onLiveChange);

  let body: ReactNode;
  if (!sorted) {
    body = types.error ? (
      <ErrorNotice error={types.error} testId="data-types-error" />
    ) : (
      <div className="panel">
        <Loading />
      </div>
    );
  } else if (sorted.length === 0 && !view.type) {
    body = <EmptyState />;
  } else if (!view.type) {
    body = <Redirect to={dataHref({ type: sorted[0]?.typeName ?? '' })} />;
  } else {
    body = (
      <div className="data-layout">
        <TypeList types={sorted} counts={counts} current={view.type} />
        <div className="data-views">
          <EntityTable
            type={view.type}
            q={view.q}
            page={view.page}
            attributeNames={info?.attributeNames ?? []}
            generation={generation}
          />
          <EntityMap type={view.type} q={view.q} generation={generation} />
        </div>
      </div>
    );
  }

  return (
    <div className="page data-page" data-testid="data-page">
      <PageHeader
        title={t('data.title')}
        subtitle={t('data.subtitle')}
        actions={
          <>
            {view.type ? <LiveIndicator state={live.state} count={live.count} /> : null}
            <button type="button" className="button button-ghost" onClick={onRefresh} disabled={types.loading}>
              {t('common.refresh')}
            </button>
          </>
        }
      />
      {sorted && types.error ? <ErrorNotice error={types.error} testId="data-types-error" /> : null}
      {body}
    </div>
  );
}

/** The City data capability: `/data` browses the context hub, `/data/<encoded id>` shows one entity. */
export function CityDataPage({ pathname }: { pathname: string }) {
  const { search } = useLocation();
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((n) => n + 1), []);
  const id = entityIdAt(pathname);
  if (id !== null) return <EntityView id={id} generation={generation} onRefresh={refresh} />;
  return <DataBrowser view={readView(search)} generation={generation} onRefresh={refresh} onLiveChange={refresh} />;
}
