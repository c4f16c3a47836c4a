import { type FormEvent, type MouseEvent, useEffect, useMemo, useState } from 'react';
import { isApiError } from '../../api/client.ts';
import { describeError } from '../../api/errors.ts';
import { entitiesRequestPath, queryEntities } from '../../api/ngsi.ts';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { formatDateTime, formatNumber, useI18n } from '../../i18n/index.ts';
import { Link, navigate } from '../../router/index.ts';
import { dataHref, entityHref } from './links.ts';
import { entityAttributes, latestObservedAt, pickColumns, primaryInstance, shortId } from './model.ts';
import { useKeyedLoad } from './useKeyedLoad.ts';
import { CellValue } from './values.tsx';

export const PAGE_SIZE = 20;
const MAX_COLUMNS = 4;

/** A rejected query (400) is about the filter the person typed: shown next to the filter box. */
function isFilterRejection(error: unknown, q: string): boolean {
  return Boolean(q) && isApiError(error) && error.status === 400;
}

/** The selected type's entities: filter (`q`), table, paging. The view lives in the address. */
export function EntityTable({
  type,
  q,
  page,
  attributeNames,
  generation,
}: {
  type: string;
  q: string;
  page: number;
  attributeNames: readonly string[];
  generation: number;
}) {
  const { t, lang } = useI18n();
  const [input, setInput] = useState(q);
  useEffect(() => setInput(q), [q]);

  const offset = (page - 1) * PAGE_SIZE;
  const query = { type, q, limit: PAGE_SIZE, offset };
  const state = useKeyedLoad(
    JSON.stringify(query),
    (signal) => queryEntities({ type, q, limit: PAGE_SIZE, offset }, signal),
    generation,
  );
  const entities = state.data?.entities;
  const total = state.data?.total ?? null;
  const columns = useMemo(() => pickColumns(entities ?? [], MAX_COLUMNS), [entities]);
  const showObserved = useMemo(() => (entities ?? []).some((entity) => latestObservedAt(entity) !== null), [entities]);
  const rejected = isFilterRejection(state.error, q);

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    navigate(dataHref({ type, q: input.trim() }), { replace: true });
  }

  function clearFilter() {
    setInput('');
    navigate(dataHref({ type }), { replace: true });
  }

  function openRow(event: MouseEvent<HTMLTableRowElement>, id: string) {
    // Links inside the row (the id, relationships) navigate by themselves.
    if ((event.target as HTMLElement).closest('a, button')) return;
    navigate(entityHref(id));
  }

  const from = offset + 1;
  const to = offset + (entities?.length ?? 0);
  const hasNext = total !== null ? to < total : (entities?.length ?? 0) === PAGE_SIZE;

  return (
    <section className="panel data-list" aria-labelledby="data-list-title">
      <div className="panel-header">
        <h2 id="data-list-title" className="type-title">
          {type}
        </h2>
        {total !== null && !state.error ? (
          <span className="panel-meta" data-testid="data-count" data-total={total}>
            {q
              ? t('data.list.totalFiltered', { count: formatNumber(total, lang) })
              : t('data.list.total', { count: formatNumber(total, lang) })}
          </span>
        ) : null}
      </div>

      <form className="filter-bar data-filter" onSubmit={applyFilter} data-testid="data-filter">
        <label htmlFor="data-q">{t('data.filter.label')}</label>
        <input
          id="data-q"
          data-testid="data-q"
          className="mono-input"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          placeholder={t('data.filter.placeholder')}
          value={input}
          onChange={(event) => setInput(event.target.value)}
          aria-describedby="data-q-hint"
          aria-invalid={rejected || undefined}
        />
        <button type="submit" className="button button-secondary" data-testid="data-q-apply">
          {t('data.filter.apply')}
        </button>
        {q ? (
          <button type="button" className="button button-ghost" onClick={clearFilter} data-testid="data-q-clear">
            {t('data.filter.clear')}
          </button>
        ) : null}
      </form>
      <p className="hint data-filter-hint" id="data-q-hint">
        {t('data.filter.hint')}
        {attributeNames.length > 0 ? (
          <>
            {' '}
            {t('data.filter.attributes')}
            {attributeNames.map((name, index) => (
              <span key={name}>
                {index > 0 ? ', ' : null}
                <code className="mono">{name}</code>
              </span>
            ))}
          </>
        ) : null}
      </p>
      {rejected ? (
        <Notice tone="error" testId="data-q-error">
          {t('data.filter.rejected', { detail: describeError(state.error, t) })}
        </Notice>
      ) : (
        <ErrorNotice error={state.error} testId="data-list-error" />
      )}

      {state.loading && !entities && !state.error ? <Loading /> : null}
      {entities && entities.length === 0 ? (
        <p className="empty" data-testid="data-list-empty">
          {q ? t('data.list.noMatch') : t('data.list.empty')}
        </p>
      ) : null}
      {entities && entities.length > 0 ? (
        <div className={state.loading ? 'table-wrap is-refreshing' : 'table-wrap'}>
          <table className="table data-table" data-testid="data-table">
            <caption className="visually-hidden">{t('data.list.caption', { type })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('data.col.id')}</th>
                {columns.map((name) => (
                  <th scope="col" key={name} className="mono-head">
                    {name}
                  </th>
                ))}
                {showObserved ? <th scope="col">{t('data.col.observedAt')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {entities.map((entity) => {
                const attributes = new Map(
                  entityAttributes(entity).map((entry) => [entry.name, primaryInstance(entry.instances)]),
                );
                const observed = showObserved ? latestObservedAt(entity) : null;
                return (
                  <tr
                    key={entity.id}
                    className="is-clickable"
                    data-testid="entity-row"
                    data-entity-id={entity.id}
                    onClick={(event) => openRow(event, entity.id)}
                  >
                    <td className="id-cell">
                      <Link to={entityHref(entity.id)} className="mono" title={entity.id}>
                        {shortId(entity.id, type)}
                      </Link>
                    </td>
                    {columns.map((name) => (
                      <td key={name}>
                        <CellValue attribute={attributes.get(name)} />
                      </td>
                    ))}
                    {showObserved ? (
                      <td className="time-cell">
                        {observed ? (
                          <time dateTime={observed} title={formatDateTime(observed)}>
                            <span className="time-date">{formatDateTime(observed).slice(0, 10)}</span>{' '}
                            <span className="time-clock">{formatDateTime(observed).slice(11)}</span>
                          </time>
                        ) : (
                          <span className="muted">{t('common.dash')}</span>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      {entities && (entities.length > 0 || page > 1) ? (
        <nav className="list-footer pager" aria-label={t('data.page.nav')}>
          <span className="muted" data-testid="data-page-info">
            {entities.length === 0
              ? null
              : total !== null
                ? t('data.page.range', {
                    from: formatNumber(from, lang),
                    to: formatNumber(to, lang),
                    total: formatNumber(total, lang),
                  })
                : t('data.page.rangeOpen', { from: formatNumber(from, lang), to: formatNumber(to, lang) })}
          </span>
          <span className="button-row">
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={page <= 1}
              onClick={() => navigate(dataHref({ type, q, page: page - 1 }), { replace: true })}
              data-testid="data-prev"
            >
              {t('data.page.prev')}
            </button>
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={!hasNext}
              onClick={() => navigate(dataHref({ type, q, page: page + 1 }), { replace: true })}
              data-testid="data-next"
            >
              {t('data.page.next')}
            </button>
          </span>
        </nav>
      ) : null}

      <details className="api-request">
        <summary>{t('data.request')}</summary>
        <code className="mono" data-testid="data-request">
          {`GET ${entitiesRequestPath(query)}&count=true`}
        </code>
      </details>
    </section>
  );
}
