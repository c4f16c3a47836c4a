/**
 * What if (`/insight/what-if`): pick a scenario and a day, run the simulator in-process on the server
 * (`POST /insight/what-if`, no writes to the hub) and compare baseline and scenario for congestion, speed, AQI,
 * parking and hospital load, the gap shaded and the change of the daily mean and peak in words.
 */
import type { ECharts } from 'echarts/core';
import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { CITY_TIME_ZONE, formatNumber, hasMessage, type MessageKey, useI18n } from '../../i18n/index.ts';
import { useApi } from '../../api/useApi.ts';
import { fetchDefinitions, runWhatIf, SCENARIOS, type Scenario } from './api.ts';
import { formatValue, percentUnit, unitLabel } from './DashboardView.tsx';
import { LazyCompareChart } from './lazy.ts';
import { download, downloadDataUrl, mean, round, say, toCsv, type WhatIfLine } from './model.ts';

const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
const HIGHER_IS_BETTER: ReadonlySet<string> = new Set(['speed']);
const peak = (points: { value: number }[]) => (points.length ? Math.max(...points.map((p) => p.value)) : null);

/** Seconds since the run started, while it runs (the simulator takes a few seconds). */
function useElapsed(running: boolean): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!running) return;
    const start = Date.now();
    setElapsed(0);
    const timer = setInterval(() => setElapsed(Math.floor((Date.now() - start) / 1000)), 250);
    return () => clearInterval(timer);
  }, [running]);
  return elapsed;
}

export function WhatIfView() {
  const { t, lang } = useI18n();
  const [scenario, setScenario] = useState<Scenario>('heavyRainEvening');
  const [date, setDate] = useState(today);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<{ scenario: Scenario; date: string; lines: WhatIfLine[]; description: { zh: string; en: string } | null } | null>(null);
  const definitions = useApi((signal) => fetchDefinitions(signal), []);
  const charts = useRef(new Map<string, ECharts>()).current;
  const controller = useRef<AbortController | null>(null);
  const elapsed = useElapsed(running);
  const names = useMemo(() => ({ baseline: t('insight.whatIf.baseline'), scenario: t('insight.whatIf.scenario') }), [t]);

  useEffect(() => () => controller.current?.abort(), []);

  const run = async () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return setError(t('insight.whatIf.badDate'));
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setRunning(true);
    setError(undefined);
    try {
      const { lines, description } = await runWhatIf(scenario, date, current.signal);
      setResult({ scenario, date, lines, description });
    } catch (cause) {
      if (!current.signal.aborted) setError(cause);
    } finally {
      if (controller.current === current) setRunning(false);
    }
  };

  const csv = () => {
    if (!result) return;
    const rows: unknown[][] = [];
    for (const line of result.lines) {
      const base = new Map(line.baseline.map((p) => [p.at, p.value]));
      for (const p of line.scenario) rows.push([line.indicator, new Date(p.at).toISOString(), base.get(p.at) ?? '', p.value, base.has(p.at) ? round(p.value - (base.get(p.at) as number)) : '']);
    }
    download(`what-if-${result.scenario}-${result.date}.csv`, toCsv(['indicator', 'time', 'baseline', 'scenario', 'difference'], rows));
  };

  return (
    <div className="insight-whatif" data-testid="insight-whatif" data-state={running ? 'running' : result ? 'done' : error ? 'error' : 'idle'}>
      <form
        className="panel insight-whatif-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <p className="hint">{t('insight.whatIf.intro')}</p>
        <fieldset className="insight-scenarios">
          <legend>{t('insight.whatIf.pick')}</legend>
          {SCENARIOS.map((id) => (
            <label key={id} className={id === scenario ? 'insight-scenario is-current' : 'insight-scenario'}>
              <input type="radio" name="scenario" value={id} checked={id === scenario} onChange={() => setScenario(id)} data-testid={`insight-scenario-${id}`} />
              <span className="insight-scenario-name">{t(`insight.scenario.${id}` as MessageKey)}</span>
              <span className="hint">{t(`insight.scenario.${id}.desc` as MessageKey)}</span>
            </label>
          ))}
        </fieldset>
        <div className="insight-whatif-run">
          <label className="field">
            <span>{t('insight.whatIf.date')}</span>
            <input type="date" value={date} onChange={(e) => setDate(e.target.value)} required data-testid="insight-whatif-date" />
          </label>
          <button type="submit" className="button button-primary" disabled={running} data-testid="insight-whatif-run">
            {running ? t('insight.whatIf.running') : t('insight.whatIf.run')}
          </button>
          {running ? (
            <span className="insight-progress" role="status" data-testid="insight-whatif-progress">
              <span className="spinner" aria-hidden="true" />
              {t('insight.whatIf.progress', { seconds: formatNumber(elapsed, lang) })}
            </span>
          ) : null}
        </div>
        {typeof error === 'string' ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : (
          <ErrorNotice error={error} testId="insight-whatif-error" />
        )}
      </form>
      {result ? (
        <section className="insight-whatif-result" data-testid="insight-whatif-result" data-lines={result.lines.length}>
          <div className="insight-panel-head">
            <h2>{t('insight.whatIf.resultTitle', { scenario: t(`insight.scenario.${result.scenario}` as MessageKey), date: result.date })}</h2>
            <span className="insight-exports">
              <button type="button" className="button button-ghost button-small" onClick={csv} data-testid="insight-csv">
                CSV
              </button>
            </span>
          </div>
          {result.description ? <p className="hint">{say(result.description, lang)}</p> : null}
          {result.lines.length === 0 ? <p className="hint insight-empty">{t('insight.noData')}</p> : null}
          <div className="insight-grid">
            {result.lines.map((line) => {
              const definition = definitions.data?.find((d) => d.id === line.indicator);
              const name = say(definition?.name, lang) || (hasMessage(`insight.indicator.${line.indicator}`) ? t(`insight.indicator.${line.indicator}` as MessageKey) : say(line.name, lang) || line.indicator);
              const unit = unitLabel(line.unit);
              const b = mean(line.baseline);
              const s = mean(line.scenario);
              const pb = peak(line.baseline);
              const ps = peak(line.scenario);
              const change = b !== null && s !== null && b !== 0 ? (s - b) / Math.abs(b) : null;
              // Red is worse for the city: more congestion, pollution or load, or a lower speed.
              const worse = change !== null && (HIGHER_IS_BETTER.has(line.indicator) ? change < 0 : change > 0);
              const tone = change === null || Math.abs(change) < 0.02 ? 'same' : worse ? 'worse' : 'better';
              return (
                <section key={line.indicator} className="panel insight-panel" data-testid="insight-whatif-line" data-indicator={line.indicator} data-points={line.scenario.length}>
                  <div className="insight-panel-head">
                    <h2>
                      {name}
                      {unit ? <span className="insight-unit"> ({unit})</span> : null}
                    </h2>
                    <span className="insight-exports">
                      <button
                        type="button"
                        className="button button-ghost button-small"
                        data-testid="insight-png"
                        onClick={() => {
                          const chart = charts.get(line.indicator);
                          if (chart && !chart.isDisposed()) downloadDataUrl(`what-if-${line.indicator}.png`, chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }));
                        }}
                      >
                        PNG
                      </button>
                    </span>
                  </div>
                  <p className={`insight-diff is-${tone}`} data-testid="insight-whatif-diff" data-change={change ?? ''}>
                    {t('insight.whatIf.mean', { baseline: formatValue(b, line.unit, lang), scenario: formatValue(s, line.unit, lang) })}
                    {change !== null ? <strong> {`${change >= 0 ? '+' : ''}${formatNumber(round(change * 100, 1), lang)}%`}</strong> : null}
                    <span className="hint"> · {t('insight.whatIf.peak', { baseline: formatValue(pb, line.unit, lang), scenario: formatValue(ps, line.unit, lang) })}</span>
                  </p>
                  <Suspense fallback={<Loading />}>
                    <LazyCompareChart baseline={line.baseline} scenario={line.scenario} scale={percentUnit(line.unit) ? 100 : 1} names={names} unit={unit} label={name} testId="insight-whatif-chart" onChart={(chart) => charts.set(line.indicator, chart)} />
                  </Suspense>
                </section>
              );
            })}
          </div>
        </section>
      ) : null}
    </div>
  );
}
