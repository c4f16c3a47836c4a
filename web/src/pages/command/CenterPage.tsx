/**
 * 城市运营指挥中心, the command center's wall screen (`/command`): live counts of raw triggers, suppressed noise,
 * alarms, incidents and units; the city map with alarms (pulsing until acknowledged), open incidents and emergency
 * units; the alarm list with acknowledge; open incidents; and the suppressed triggers grouped by why.
 */
import { Suspense, useCallback, useMemo, useState } from 'react';
import { describeError } from '../../api/errors.ts';
import type { DistrictFeature } from '../../api/types.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { CITY_TIME_ZONE, formatNumber, hasMessage, type Lang, type MessageKey, type Translate, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { acknowledgeAlarm } from './api.ts';
import type { CommandLayer, CommandSymbol } from './charts.tsx';
import { LazyCommandMap } from './lazy.ts';
import {
  type AlarmView,
  boxOf,
  frameOf,
  type IncidentView,
  SEVERITIES,
  SEVERITY_COLOURS,
  type SuppressedView,
  UNIT_COLOURS,
  UNIT_KINDS,
  UNIT_STATUSES,
  UNIT_SYMBOLS,
  type UnitOnMap,
} from './model.ts';
import { type CommandState, useCommand } from './useCommand.ts';

const clock = new Intl.DateTimeFormat('en-GB', { timeZone: CITY_TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const INCIDENT_SYMBOL = 'path://M5,0L10,5L5,10L0,5z';

/** A message for a value from the data (an alarm type, a reason code), or the value itself when there is none. */
export function dataLabel(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return value && hasMessage(key) ? t(key as MessageKey) : value;
}

export function districtName(districts: ReadonlyMap<string, DistrictFeature>, id: string, lang: Lang): string {
  const feature = districts.get(id);
  if (!feature) return id;
  return (lang === 'en' ? feature.properties.nameEn || feature.properties.name : feature.properties.name) || id;
}

export const timeText = (at: number | null) => (at === null ? '—' : clock.format(at));

const severityRank = (alarm: AlarmView) => SEVERITIES.indexOf(alarm.severity);
/** Active first, then unacknowledged, then by severity, then the latest. */
function alarmOrder(a: AlarmView, b: AlarmView): number {
  if (a.status !== b.status) return a.status === 'active' ? -1 : 1;
  if (a.acknowledged !== b.acknowledged) return a.acknowledged ? 1 : -1;
  if (severityRank(a) !== severityRank(b)) return severityRank(a) - severityRank(b);
  return (b.lastSeen ?? 0) - (a.lastSeen ?? 0);
}

function Kpi({ id, label, value, raw, detail, tone }: { id: string; label: string; value: string; raw: number | null; detail?: string; tone?: 'bad' | 'good' }) {
  return (
    <div className={tone ? `overview-kpi command-kpi is-${tone}` : 'overview-kpi command-kpi'} data-testid={`command-count-${id}`} data-value={raw ?? ''}>
      <span className="overview-kpi-label">{label}</span>
      <span className="overview-kpi-value">{value}</span>
      {detail ? <span className="overview-kpi-detail">{detail}</span> : null}
    </div>
  );
}

function Counts({ state, units, t, lang }: { state: CommandState; units: UnitOnMap[]; t: Translate; lang: Lang }) {
  const n = (value: number) => formatNumber(value, lang);
  const stats = state.stats;
  const share = stats && stats.signals > 0 ? stats.suppressed / stats.signals : null;
  const active = state.alarms.filter((a) => a.status === 'active').length;
  const available = units.filter((u) => u.status === 'available').length;
  const busy = units.filter((u) => u.status === 'dispatched' || u.status === 'enRoute' || u.status === 'onScene').length;
  return (
    <section className="command-kpis" aria-label={t('command.counts')} data-testid="command-counts">
      <Kpi id="signals" label={t('command.count.signals')} value={stats ? n(stats.signals) : '—'} raw={stats?.signals ?? null} detail={t('command.count.today')} />
      <Kpi
        id="suppressed"
        label={t('command.count.suppressed')}
        value={stats ? n(stats.suppressed) : '—'}
        raw={stats?.suppressed ?? null}
        detail={share === null ? t('command.count.noSignals') : t('command.count.share', { share: `${n(Math.round(share * 1000) / 10)}%` })}
        tone={share !== null && share > 0 ? 'good' : undefined}
      />
      <Kpi id="alarms" label={t('command.count.alarms')} value={n(active)} raw={active} detail={t('command.count.alarmsToday', { count: n(stats?.alarms ?? 0) })} tone={active > 0 ? 'bad' : 'good'} />
      <Kpi id="incidents" label={t('command.count.incidents')} value={n(state.incidents.length)} raw={state.incidents.length} tone={state.incidents.length > 0 ? 'bad' : 'good'} />
      <Kpi id="units" label={t('command.count.units')} value={n(available)} raw={available} detail={t('command.count.unitsBusy', { busy: n(busy), total: n(units.length) })} />
      <span className="visually-hidden" data-testid="command-count-busy" data-value={busy} />
    </section>
  );
}

function AlarmRow({ alarm, place, t, lang, onAck, busy }: { alarm: AlarmView; place: string; t: Translate; lang: Lang; onAck: () => void; busy: boolean }) {
  const pending = alarm.status === 'active' && !alarm.acknowledged;
  return (
    <li
      className={`command-alarm is-${alarm.status}${pending ? ' is-pending' : ''}`}
      data-testid="command-alarm"
      data-id={alarm.id}
      data-type={alarm.alarmType}
      data-severity={alarm.severity}
      data-status={alarm.status}
      data-acknowledged={alarm.acknowledged}
    >
      <span className="command-severity" style={{ background: SEVERITY_COLOURS[alarm.severity] }}>
        {t(`command.severity.${alarm.severity}`)}
      </span>
      <div className="command-alarm-body">
        <div className="command-alarm-title">
          <strong>{dataLabel(t, 'command.alarmType', alarm.alarmType)}</strong>
          {alarm.count > 1 ? (
            <span className="command-count-chip" title={t('command.alarm.count')}>
              ×{formatNumber(alarm.count, lang)}
            </span>
          ) : null}
        </div>
        <div className="command-alarm-place">{place || '—'}</div>
        <div className="command-alarm-meta">
          <time dateTime={alarm.lastSeen ? new Date(alarm.lastSeen).toISOString() : undefined}>{t('command.alarm.lastSeen', { time: timeText(alarm.lastSeen) })}</time>
          <span>{alarm.status === 'cleared' ? t('command.alarm.cleared') : alarm.acknowledged ? t('command.alarm.acked') : t('command.alarm.new')}</span>
        </div>
      </div>
      {pending ? (
        <button type="button" className="button button-small button-secondary" data-testid="command-alarm-ack" disabled={busy} onClick={onAck}>
          {t('command.alarm.ack')}
        </button>
      ) : null}
    </li>
  );
}

function IncidentRow({ incident, place, t }: { incident: IncidentView; place: string; t: Translate }) {
  return (
    <li className="command-incident" data-testid="command-incident" data-id={incident.id} data-type={incident.type} data-status={incident.status}>
      <Link to={`/command/incidents/${encodeURIComponent(incident.id)}`} className="command-incident-link">
        <span className="command-severity" style={{ background: SEVERITY_COLOURS[incident.severity] }}>
          {dataLabel(t, 'command.incidentType', incident.type)}
        </span>
        <span className="command-incident-title">{incident.title || dataLabel(t, 'command.incidentType', incident.type)}</span>
        <span className="command-incident-meta">
          {place} · {t(`command.incident.status.${incident.status === 'acknowledged' ? 'acknowledged' : incident.status === 'closed' ? 'closed' : 'open'}`)} · {timeText(incident.openedAt)}
          {incident.escalated ? <strong className="command-escalated"> · {t('command.incident.escalated')}</strong> : null}
        </span>
      </Link>
    </li>
  );
}

function SuppressedPanel({ items, total, byReason, districts, t, lang }: { items: SuppressedView[]; total: number; byReason: Record<string, number>; districts: ReadonlyMap<string, DistrictFeature>; t: Translate; lang: Lang }) {
  const groups = useMemo(() => {
    const map = new Map<string, { label: string; items: SuppressedView[] }>();
    for (const item of items) {
      // The server counts a suppressWhen by its policy (wind, cooking fumes, …), the other reasons by their code.
      const key = item.reason.code === 'condition' && item.reason.policyId ? item.reason.policyId : item.reason.code;
      const group = map.get(key) ?? { label: item.reason[lang] || item.reason.code, items: [] };
      group.items.push(item);
      map.set(key, group);
    }
    // Codes counted today but with no recent item still show, with their count.
    for (const code of Object.keys(byReason)) if (!map.has(code)) map.set(code, { label: dataLabel(t, 'command.reason', code), items: [] });
    return [...map.entries()].sort((a, b) => (byReason[b[0]] ?? b[1].items.length) - (byReason[a[0]] ?? a[1].items.length));
  }, [items, byReason, lang, t]);
  return (
    <section className="panel command-suppressed" aria-labelledby="command-suppressed-title" data-testid="command-suppressed" data-total={total}>
      <h2 id="command-suppressed-title">{t('command.suppressed.title')}</h2>
      {groups.length === 0 ? (
        <p className="hint">{t('command.suppressed.none')}</p>
      ) : (
        <div className="command-suppressed-groups">
          {groups.map(([code, group]) => (
            <details key={code} className="command-reason" data-testid="command-reason" data-code={code} open={groups.length <= 3}>
              <summary>
                <span className="command-reason-label">{group.label}</span>
                <span className="command-reason-count">{formatNumber(byReason[code] ?? group.items.length, lang)}</span>
              </summary>
              <ul className="command-reason-items">
                {group.items.slice(0, 6).map((item) => (
                  <li key={`${item.id}-${item.at}`}>
                    <span>{dataLabel(t, 'command.alarmType', item.alarmType)}</span>
                    <span className="command-reason-place">{item.originatorName || (item.district ? districtName(districts, item.district, lang) : item.originator.split(':').pop())}</span>
                    <time>{timeText(item.at)}</time>
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </div>
      )}
    </section>
  );
}

function Legend({ t }: { t: Translate }) {
  return (
    <div className="overview-legend" data-testid="command-legend">
      <div className="overview-legend-group">
        <span className="legend-title">{t('command.legend.alarms')}</span>
        {SEVERITIES.slice(0, 4).map((s) => (
          <span className="legend-item" key={s}>
            <span className="overview-swatch is-dot" style={{ background: SEVERITY_COLOURS[s] }} aria-hidden="true" />
            {t(`command.severity.${s}`)}
          </span>
        ))}
        <span className="legend-item">
          <span className="overview-swatch is-square" style={{ background: '#c81e1e', transform: 'rotate(45deg) scale(0.8)' }} aria-hidden="true" />
          {t('command.legend.incident')}
        </span>
      </div>
      <div className="overview-legend-group">
        <span className="legend-title">{t('command.legend.units')}</span>
        {UNIT_STATUSES.map((s) => (
          <span className="legend-item" key={s}>
            <span className="overview-swatch is-dot" style={{ background: UNIT_COLOURS[s] }} aria-hidden="true" />
            {t(`command.unit.${s}`)}
          </span>
        ))}
        <span className="legend-item command-legend-kinds">
          {UNIT_KINDS.map((k) => t(`command.unitSymbol.${k}`)).join(' · ')}
        </span>
      </div>
    </div>
  );
}

export function CenterPage() {
  const { t, lang } = useI18n();
  const city = useCity();
  const state = useCommand();
  const [acking, setAcking] = useState<string | null>(null);
  const [ackError, setAckError] = useState<unknown>(undefined);
  const districts = useMemo(() => new Map((city.data?.districts.features ?? []).map((f) => [f.properties.id, f] as const)), [city.data]);
  const districtBox = useMemo(() => boxOf(city.data?.districts ?? null), [city.data]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` says when the mutable unit map changed.
  const units = useMemo(() => [...state.units.values()], [state.units, state.version]);
  const alarms = useMemo(() => [...state.alarms].sort(alarmOrder), [state.alarms]);
  const placeOf = useCallback(
    (alarm: { originatorName: string; district: string; originator: string }) =>
      [alarm.originatorName, alarm.district ? districtName(districts, alarm.district, lang) : ''].filter(Boolean).join(' · ') || alarm.originator.split(':').pop() || '',
    [districts, lang],
  );

  const layers = useMemo<CommandLayer[]>(() => {
    const alarmSymbol = (a: AlarmView): CommandSymbol | null =>
      a.coords
        ? {
            id: a.id,
            name: dataLabel(t, 'command.alarmType', a.alarmType),
            coords: a.coords,
            colour: SEVERITY_COLOURS[a.severity],
            size: a.severity === 'critical' ? 16 : 13,
            details: [t(`command.severity.${a.severity}`), placeOf(a), t('command.alarm.lastSeen', { time: timeText(a.lastSeen) })],
          }
        : null;
    const active = alarms.filter((a) => a.status === 'active');
    const pending = active.filter((a) => !a.acknowledged).map(alarmSymbol).filter((s): s is CommandSymbol => s !== null);
    const acked = active.filter((a) => a.acknowledged).map(alarmSymbol).filter((s): s is CommandSymbol => s !== null);
    const incidents = state.incidents
      .filter((i) => i.coords)
      .map<CommandSymbol>((i) => ({
        id: i.id,
        name: i.title || dataLabel(t, 'command.incidentType', i.type),
        coords: i.coords as [number, number],
        colour: SEVERITY_COLOURS[i.severity],
        size: 24,
        details: [dataLabel(t, 'command.incidentType', i.type), t(`command.incident.status.${i.status === 'acknowledged' ? 'acknowledged' : 'open'}`)],
      }));
    const byKind = (kind: string | null) =>
      units
        .filter((u) => u.coords && (kind === null ? !(UNIT_KINDS as readonly string[]).includes(u.kind) : u.kind === kind))
        .map<CommandSymbol>((u) => ({
          id: u.id,
          name: u.name,
          coords: u.coords as [number, number],
          colour: UNIT_COLOURS[u.status],
          size: u.status === 'available' ? 10 : 13,
          details: [dataLabel(t, 'command.vehicle', u.kind), t(`command.unit.${u.status}`)],
        }));
    return [
      ...UNIT_KINDS.map((kind, i) => ({ id: `units-${kind}`, symbol: UNIT_SYMBOLS[kind] ?? 'circle', z: 3 + i, symbols: byKind(kind) })),
      { id: 'units-other', symbol: 'circle', z: 3, symbols: byKind(null) },
      { id: 'incidents', symbol: INCIDENT_SYMBOL, z: 7, symbols: incidents },
      { id: 'alarms-acked', symbol: 'circle', z: 8, symbols: acked },
      { id: 'alarms-pending', symbol: 'circle', pulse: true, z: 9, symbols: pending },
    ];
  }, [alarms, state.incidents, units, t, placeOf]);

  const frame = useMemo(() => {
    const points = [...units.map((u) => u.coords), ...alarms.map((a) => a.coords), ...state.incidents.map((i) => i.coords)].filter((p): p is [number, number] => p !== null);
    return points.length > 0 ? frameOf(districtBox, points, 0.05) : null;
  }, [units, alarms, state.incidents, districtBox]);

  const acknowledge = (alarm: AlarmView) => {
    setAcking(alarm.id);
    setAckError(undefined);
    acknowledgeAlarm(alarm.id).then(
      () => {
        setAcking(null);
        state.refresh();
      },
      (error: unknown) => {
        setAcking(null);
        setAckError(error);
      },
    );
  };

  const activeCount = alarms.filter((a) => a.status === 'active').length;
  const pendingCount = alarms.filter((a) => a.status === 'active' && !a.acknowledged).length;
  const mode = state.live;
  const byReason = state.stats?.byReason ?? {};

  return (
    <div className="command-center" data-testid="command-center" data-version={state.version}>
      <Counts state={state} units={units} t={t} lang={lang} />
      <div className="overview-status command-status" data-testid="command-live-state" data-state={mode}>
        <span className={`overview-dot is-${mode}`} aria-hidden="true" />
        <span>{t(`overview.live.${mode}`)}</span>
        <span className="overview-last-update">{state.lastChange ? t('overview.lastUpdate', { time: clock.format(state.lastChange) }) : t('command.live.waiting')}</span>
      </div>
      {state.error ? <ErrorNotice error={state.error} testId="command-error" /> : null}
      {ackError ? <Notice tone="error">{describeError(ackError, t)}</Notice> : null}

      <div className="command-grid">
        <section className="panel command-alarms" aria-labelledby="command-alarms-title">
          <div className="command-panel-head">
            <h2 id="command-alarms-title">{t('command.alarms.title')}</h2>
            <span className="command-panel-meta" data-testid="command-alarms-count" data-active={activeCount} data-pending={pendingCount}>
              {t('command.alarms.meta', { active: formatNumber(activeCount, lang), pending: formatNumber(pendingCount, lang) })}
            </span>
          </div>
          {state.loading && alarms.length === 0 ? <Loading /> : null}
          {!state.loading && alarms.length === 0 ? <p className="hint command-empty">{t('command.alarms.none')}</p> : null}
          <ul className="command-alarm-list" data-testid="command-alarm-list">
            {alarms.map((alarm) => (
              <AlarmRow key={alarm.id} alarm={alarm} place={placeOf(alarm)} t={t} lang={lang} busy={acking === alarm.id} onAck={() => acknowledge(alarm)} />
            ))}
          </ul>
        </section>

        <section className="panel overview-map-panel command-map-panel" aria-label={t('command.map')}>
          {city.data ? (
            <figure
              className="city-map overview-map command-map"
              data-testid="command-map"
              data-alarms={layers.find((l) => l.id === 'alarms-pending')?.symbols.length ?? 0}
              data-acked={layers.find((l) => l.id === 'alarms-acked')?.symbols.length ?? 0}
              data-incidents={layers.find((l) => l.id === 'incidents')?.symbols.length ?? 0}
              data-units={units.filter((u) => u.coords).length}
            >
              <Suspense fallback={<Loading />}>
                <LazyCommandMap districts={city.data.districts} layers={layers} frame={frame} label={t('command.map')} testId="command-map-canvas" />
              </Suspense>
            </figure>
          ) : city.loading ? (
            <Loading />
          ) : (
            <ErrorNotice error={city.error} />
          )}
          <Legend t={t} />
        </section>

        <aside className="command-side" aria-label={t('command.side')}>
          <section className="panel command-incidents" aria-labelledby="command-incidents-title">
            <div className="command-panel-head">
              <h2 id="command-incidents-title">{t('command.incidents.title')}</h2>
              <span className="command-panel-meta">{formatNumber(state.incidents.length, lang)}</span>
            </div>
            {state.incidents.length === 0 ? (
              <p className="hint command-empty">{t('command.incidents.none')}</p>
            ) : (
              <ul className="command-incident-list" data-testid="command-incident-list">
                {state.incidents.map((incident) => (
                  <IncidentRow key={incident.id} incident={incident} place={incident.district ? districtName(districts, incident.district, lang) : ''} t={t} />
                ))}
              </ul>
            )}
          </section>
          <SuppressedPanel items={state.suppressed} total={state.suppressedTotal} byReason={byReason} districts={districts} t={t} lang={lang} />
        </aside>
      </div>
    </div>
  );
}
