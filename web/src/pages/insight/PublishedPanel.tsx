/**
 * The economic indicators the city publishes (GDP, retail sales, …), for the industry dashboard: a table of what has
 * been uploaded, a clear empty state, and for officers and admins a CSV upload (`indicator,period,value,unit,source`).
 */
import { useState } from 'react';
import { useApi } from '../../api/useApi.ts';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { formatNumber, useI18n } from '../../i18n/index.ts';
import { fetchPublished, uploadPublished } from './api.ts';
import { download, toCsv } from './model.ts';

const EXAMPLE = 'indicator,period,value,unit,source\ngdp,2026-Q3,5432.1,亿元,市统计局\nretailSales,2026-10,812.4,亿元,市统计局';

/** `onPublished`: the dashboard reloads (its tile counts the published figures). */
export function PublishedPanel({ canPublish, onPublished }: { canPublish: boolean; onPublished?: () => void }) {
  const { t, lang } = useI18n();
  const state = useApi((signal) => fetchPublished(signal), []);
  const [csv, setCsv] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState('');
  const rows = state.data ?? [];

  const upload = async () => {
    if (!csv.trim()) return setError(t('insight.published.emptyCsv'));
    setSending(true);
    setError(undefined);
    setDone('');
    try {
      await uploadPublished(csv);
      setDone(t('insight.published.done'));
      setCsv('');
      state.reload();
      onPublished?.();
    } catch (cause) {
      setError(cause);
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="panel insight-panel insight-published" data-testid="insight-published" data-rows={rows.length}>
      <div className="insight-panel-head">
        <h2>{t('insight.published.title')}</h2>
        {rows.length > 0 ? (
          <span className="insight-exports">
            <button
              type="button"
              className="button button-ghost button-small"
              data-testid="insight-csv"
              onClick={() => download('published-indicators.csv', toCsv(['indicator', 'period', 'value', 'unit', 'source'], rows.map((r) => [r.indicator, r.period, r.value, r.unit, r.source])))}
            >
              CSV
            </button>
          </span>
        ) : null}
      </div>
      {state.loading && !state.data ? <Loading /> : null}
      <ErrorNotice error={state.error} />
      {state.data && rows.length === 0 ? (
        <p className="hint insight-empty" data-testid="insight-published-empty">
          {t('insight.published.empty')}
        </p>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table insight-table">
            <thead>
              <tr>
                <th scope="col">{t('insight.published.indicator')}</th>
                <th scope="col">{t('insight.published.period')}</th>
                <th scope="col">{t('insight.published.value')}</th>
                <th scope="col">{t('insight.published.source')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.indicator}-${row.period}-${row.source}`}>
                  <td>{row.indicator}</td>
                  <td>{row.period}</td>
                  <td className="cell-number">
                    {Number.isFinite(row.value) ? formatNumber(row.value, lang) : '—'} {row.unit}
                  </td>
                  <td>{row.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canPublish ? (
        <details className="insight-upload">
          <summary>{t('insight.published.upload')}</summary>
          <p className="hint">{t('insight.published.format')}</p>
          <label className="field">
            <span>{t('insight.published.file')}</span>
            <input
              type="file"
              accept=".csv,text/csv"
              data-testid="insight-published-file"
              onChange={async (event) => {
                const file = event.target.files?.[0];
                if (file) setCsv(await file.text());
              }}
            />
          </label>
          <label className="field">
            <span>{t('insight.published.paste')}</span>
            <textarea rows={5} value={csv} placeholder={EXAMPLE} onChange={(e) => setCsv(e.target.value)} data-testid="insight-published-csv" />
          </label>
          {typeof error === 'string' ? (
            <Notice tone="error" testId="insight-published-error">
              {error}
            </Notice>
          ) : (
            <ErrorNotice error={error} testId="insight-published-error" />
          )}
          {done ? <Notice tone="success">{done}</Notice> : null}
          <button type="button" className="button button-primary" disabled={sending} onClick={upload} data-testid="insight-published-submit">
            {sending ? t('insight.published.sending') : t('insight.published.send')}
          </button>
        </details>
      ) : null}
    </section>
  );
}
