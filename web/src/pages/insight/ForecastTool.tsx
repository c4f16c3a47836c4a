/**
 * The forecasting tool (`/insight/forecast`) for any department: paste or upload a series (`time,value` CSV), choose
 * the horizon, and see the forecast with its 80 % / 95 % intervals, the method used and its accuracy as MASE against
 * the seasonal naive (`POST /insight/forecast`; the server validates and says what to fix).
 */
import type { ECharts } from 'echarts/core';
import { Suspense, useMemo, useRef, useState } from 'react';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { formatNumber, useI18n } from '../../i18n/index.ts';
import { requestForecast } from './api.ts';
import { LazyForecastChart } from './lazy.ts';
import { type BandPoint, bandFrom, download, downloadDataUrl, num, type Point, parseSeriesCsv, round, toCsv } from './model.ts';

interface Outcome {
  history: Point[];
  forecast: BandPoint[];
  method: string;
  mase: number | null;
  mape: number | null;
  baselineMethod: string;
}

/** A small example: two weeks of an hourly series with a daily rhythm, so that the tool can be tried at once. */
function example(): string {
  const start = Date.UTC(2026, 9, 1, 0) - 8 * 3_600_000;
  const lines = ['time,value'];
  for (let h = 0; h < 24 * 14; h++) {
    const hour = h % 24;
    const value = 40 + 25 * Math.sin(((hour - 6) / 24) * 2 * Math.PI) + ((h * 7919) % 13) - 6;
    lines.push(`${new Date(start + h * 3_600_000).toISOString()},${round(value, 1)}`);
  }
  return lines.join('\n');
}

export function ForecastTool() {
  const { t, lang } = useI18n();
  const [csv, setCsv] = useState('');
  const [horizon, setHorizon] = useState(24);
  const [period, setPeriod] = useState('');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const chart = useRef<ECharts | null>(null);
  const parsed = useMemo(() => parseSeriesCsv(csv), [csv]);
  const names = useMemo(() => ({ observed: t('insight.observed'), forecast: t('insight.forecast'), band80: t('insight.band80'), band95: t('insight.band95'), now: t('insight.now') }), [t]);

  const run = async () => {
    if (parsed.timestamps.length === 0) return setError(t('insight.tool.noRows'));
    if (parsed.problems.length > 0) return setError(t('insight.tool.badLines', { lines: parsed.problems.slice(0, 8).join(', ') }));
    if (!(horizon >= 1 && horizon <= 720)) return setError(t('insight.tool.badHorizon'));
    setRunning(true);
    setError(undefined);
    try {
      const p = period.trim() ? Number(period) : undefined;
      const body = (await requestForecast({ timestamps: parsed.timestamps.map((at) => new Date(at).toISOString()), values: parsed.values, horizon, ...(p ? { period: p } : {}) })) as Record<string, unknown>;
      const result = (body.forecast && typeof body.forecast === 'object' && 'points' in (body.forecast as object) ? body.forecast : body) as Record<string, unknown>;
      const insample = (result.insample ?? {}) as Record<string, unknown>;
      const baseline = (result.baseline ?? {}) as Record<string, unknown>;
      const history = parsed.timestamps.flatMap((at, i) => (parsed.values[i] === null ? [] : [{ at, value: parsed.values[i] as number }]));
      setOutcome({
        // The chart shows the last few seasons before the forecast, not years of history.
        history: history.slice(-Math.max(horizon * 4, 96)),
        forecast: bandFrom(result.points),
        method: String(result.method ?? ''),
        mase: num(insample.mase ?? result.mase),
        mape: num(insample.mape ?? result.mape),
        baselineMethod: String(baseline.method ?? 'seasonalNaive'),
      });
    } catch (cause) {
      setError(cause);
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="insight-tool" data-testid="insight-tool">
      <form
        className="panel insight-tool-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <p className="hint">{t('insight.tool.intro')}</p>
        <label className="field">
          <span>{t('insight.tool.file')}</span>
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            data-testid="insight-tool-file"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (file) setCsv(await file.text());
            }}
          />
        </label>
        <label className="field">
          <span>
            {t('insight.tool.paste')}{' '}
            <button type="button" className="button button-ghost button-small" onClick={() => setCsv(example())} data-testid="insight-tool-example">
              {t('insight.tool.example')}
            </button>
          </span>
          <textarea rows={8} value={csv} onChange={(e) => setCsv(e.target.value)} placeholder={'time,value\n2026-10-01T00:00:00+08:00,42\n2026-10-01T01:00:00+08:00,39'} data-testid="insight-tool-csv" spellCheck={false} />
        </label>
        <p className="hint" data-testid="insight-tool-count" data-count={parsed.timestamps.length}>
          {t('insight.tool.count', { count: formatNumber(parsed.timestamps.length, lang), missing: formatNumber(parsed.values.filter((v) => v === null).length, lang) })}
        </p>
        <div className="insight-tool-options">
          <label className="field">
            <span>{t('insight.tool.horizon')}</span>
            <input type="number" min={1} max={720} value={horizon} onChange={(e) => setHorizon(Number(e.target.value))} data-testid="insight-tool-horizon" />
          </label>
          <label className="field">
            <span>{t('insight.tool.period')}</span>
            <input type="number" min={2} placeholder="24" value={period} onChange={(e) => setPeriod(e.target.value)} data-testid="insight-tool-period" />
          </label>
          <button type="submit" className="button button-primary" disabled={running} data-testid="insight-tool-run">
            {running ? t('insight.tool.running') : t('insight.tool.run')}
          </button>
        </div>
        {typeof error === 'string' ? (
          <p className="field-error" role="alert" data-testid="insight-tool-error">
            {error}
          </p>
        ) : (
          <ErrorNotice error={error} testId="insight-tool-error" />
        )}
      </form>
      {outcome ? (
        <section className="panel insight-panel" data-testid="insight-tool-result" data-points={outcome.forecast.length} data-mase={outcome.mase ?? ''}>
          <div className="insight-panel-head">
            <h2>{t('insight.tool.result')}</h2>
            <span className="insight-exports">
              <button
                type="button"
                className="button button-ghost button-small"
                data-testid="insight-csv"
                onClick={() =>
                  download(
                    'forecast.csv',
                    toCsv(
                      ['time', 'value', 'low80', 'high80', 'low95', 'high95'],
                      outcome.forecast.map((p) => [new Date(p.at).toISOString(), round(p.value), round(p.low80), round(p.high80), round(p.low95), round(p.high95)]),
                    ),
                  )
                }
              >
                CSV
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                data-testid="insight-png"
                onClick={() => chart.current && !chart.current.isDisposed() && downloadDataUrl('forecast.png', chart.current.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }))}
              >
                PNG
              </button>
            </span>
          </div>
          <dl className="insight-facts">
            <div>
              <dt>{t('insight.tool.method')}</dt>
              <dd data-testid="insight-tool-method">{outcome.method || '—'}</dd>
            </div>
            <div>
              <dt>{t('insight.tool.mase')}</dt>
              <dd className={outcome.mase !== null && outcome.mase < 1 ? 'insight-good' : 'insight-bad'}>
                {outcome.mase !== null ? formatNumber(round(outcome.mase, 3), lang) : '—'}
                <span className="hint"> {outcome.mase === null ? '' : outcome.mase < 1 ? t('insight.tool.better') : t('insight.tool.worse')}</span>
              </dd>
            </div>
            {outcome.mape !== null ? (
              <div>
                <dt>MAPE</dt>
                <dd>{formatNumber(round(outcome.mape, 1), lang)}%</dd>
              </div>
            ) : null}
          </dl>
          <Suspense fallback={<Loading />}>
            <LazyForecastChart
              points={outcome.history}
              forecast={outcome.forecast}
              unit=""
              label={t('insight.tool.result')}
              names={names}
              testId="insight-tool-chart"
              onChart={(c) => {
                chart.current = c;
              }}
            />
          </Suspense>
        </section>
      ) : null}
    </div>
  );
}
