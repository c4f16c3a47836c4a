/**
 * One incident (`/command/incidents/:id`): what, where (a small map with the evacuation radius and the units), the
 * response plan's steps, the nearest available units to dispatch, the dispatched units' statuses, notes, closing
 * with an outcome, and the timeline. Re-reads itself when its Incident or any EmergencyVehicle changes in the hub.
 */
import { type FormEvent, Suspense, useEffect, useMemo, useState } from 'react';
import { describeError } from '../../api/errors.ts';
import { streamEntityChanges } from '../../api/live.ts';
import { useApi } from '../../api/useApi.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { Field } from '../../components/Field.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { usePageTitle } from '../../components/PageHeader.tsx';
import { formatDateTime, formatNumber, type Lang, type Translate, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import {
  acknowledgeIncident,
  addNote,
  closeIncident,
  dispatchUnits,
  fetchIncident,
  fetchRecommendations,
  markStepDone,
  setUnitStatus,
} from './api.ts';
import { dataLabel, districtName, timeText } from './CenterPage.tsx';
import type { CommandLayer } from './charts.tsx';
import { LazyCommandMap } from './lazy.ts';
import { fetchAllEntities } from '../overview/api.ts';
import { boxOf, circle, eventText, frameOf, OUTCOMES, SEVERITY_COLOURS, shortId, type TimelineEvent, UNIT_COLOURS, UNIT_SYMBOLS, type UnitOnMap, unitOnMap, unitStatus } from './model.ts';

/** What a timeline event did, in words: its text, else its details with unit and step ids replaced by their names. */
function eventSummary(event: TimelineEvent, raw: unknown, lang: Lang, t: Translate, units: ReadonlyMap<string, UnitOnMap> | undefined, steps: ReadonlyMap<string, string>): string {
  const text = eventText(raw, lang) || event.text;
  if (text) return text;
  const unitName = (id: unknown) => (typeof id === 'string' ? (units?.get(id)?.name ?? shortId(id)) : '');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(event.details)) {
    if (value === null || value === undefined || value === '') continue;
    if (key === 'unitId') parts.push(unitName(value));
    else if (key === 'units' && Array.isArray(value)) parts.push(value.map((u) => unitName((u as { unitId?: unknown })?.unitId ?? u)).join('、'));
    else if (key === 'type') parts.push(dataLabel(t, 'command.incidentType', String(value)));
    else if (key === 'vehicleKind') parts.push(dataLabel(t, 'command.vehicle', String(value)));
    else if (key === 'alarmType') parts.push(dataLabel(t, 'command.alarmType', String(value)));
    else if (key === 'alarmId' || key === 'alarmIds' || key === 'requestIds' || key === 'source' || key === 'targetSeconds' || key === 'title') continue;
    else if (key === 'withinTarget') parts.push(t(value ? 'command.event.inTime' : 'command.event.late'));
    else if (key === 'durationSeconds') parts.push(t('command.event.duration', { minutes: formatNumber(Math.round(Number(value) / 60), lang) }));
    else if (key === 'unitIds' && Array.isArray(value)) parts.push(value.map(unitName).join('、'));
    else if (key === 'status' || key === 'to') parts.push(dataLabel(t, 'command.unit', String(value)));
    else if (key === 'stepId') parts.push(steps.get(String(value)) ?? String(value));
    else if (key === 'outcome') parts.push(dataLabel(t, 'command.outcome', String(value)));
    else if (key === 'distanceM') parts.push(t('command.rec.distance', { km: formatNumber(Math.round(Number(value) / 100) / 10, lang) }));
    else if (key === 'from') continue;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(String(value));
    else if (Array.isArray(value)) parts.push(value.map((v) => (typeof v === 'string' ? shortId(v) : JSON.stringify(v))).join('、'));
  }
  return parts.join(' · ');
}

const NEXT_STATUS: Record<string, 'enRoute' | 'onScene' | 'clear' | undefined> = { dispatched: 'enRoute', enRoute: 'onScene', onScene: 'clear' };
const iso = (at: number | null) => (at === null ? '' : new Date(at).toISOString());

export function IncidentPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const city = useCity();
  const [generation, setGeneration] = useState(0);
  const [recGeneration, setRecGeneration] = useState(0);
  const incident = useApi((signal) => fetchIncident(id, signal), [id, generation]);
  // Recommendations are read once and after each dispatch, not on every live change: the server logs each reading of
  // them in the timeline, and a closed incident has none to give.
  const closedNow = incident.data?.incident.status === 'closed';
  const loadedOnce = incident.data !== undefined;
  const recommendations = useApi((signal) => (loadedOnce && !closedNow ? fetchRecommendations(id, signal) : Promise.resolve([])), [id, recGeneration, loadedOnce, closedNow]);
  // The incident lists its units by id; their names, kinds and positions are the hub's EmergencyVehicle entities.
  const vehicles = useApi((signal) => fetchAllEntities('EmergencyVehicle', ['name', 'vehicleKind', 'status', 'location', 'refIncident'], signal).then((list) => new Map(list.map((e) => [e.id, unitOnMap(e)]))), [generation]);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [working, setWorking] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<string>(OUTCOMES[0]);
  const [closeNote, setCloseNote] = useState('');
  const reload = () => setGeneration((g) => g + 1);
  const view = incident.data?.incident;
  usePageTitle(view ? view.title || dataLabel(t, 'command.incidentType', view.type) : t('command.incident.title'));

  // Live: the incident's own changes and every unit's move re-read the page (the server's view is the truth).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = streamEntityChanges(
      { type: 'Incident,EmergencyVehicle' },
      (change) => {
        const type = String(change.entity?.type ?? '');
        if (type === 'Incident' && shortId(change.id) !== shortId(id)) return;
        if (!timer)
          timer = setTimeout(() => {
            timer = undefined;
            setGeneration((g) => g + 1);
          }, 400);
      },
      () => {},
    );
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [id]);

  const act = (name: string, action: () => Promise<unknown>, after?: () => void) => {
    setWorking(name);
    setActionError(undefined);
    action().then(
      () => {
        setWorking(null);
        after?.();
        reload();
      },
      (error: unknown) => {
        setWorking(null);
        setActionError(error);
      },
    );
  };

  const districtBox = useMemo(() => boxOf(city.data?.districts ?? null), [city.data]);
  const layers = useMemo<CommandLayer[]>(() => {
    if (!view?.coords) return [];
    const mine = view.units.map((u) => vehicles.data?.get(u.id)).filter((u): u is UnitOnMap => u?.coords !== undefined && u.coords !== null);
    return [
      {
        id: 'units',
        symbol: UNIT_SYMBOLS.fireEngine ?? 'roundRect',
        z: 6,
        symbols: mine.map((u) => ({ id: u.id, name: u.name, coords: u.coords as [number, number], colour: UNIT_COLOURS[u.status], size: 12, details: [t(`command.unit.${u.status}`)] })),
      },
      { id: 'incident', symbol: 'path://M5,0L10,5L5,10L0,5z', z: 8, pulse: view.status !== 'closed', symbols: [{ id: view.id, name: view.title || view.type, coords: view.coords, colour: SEVERITY_COLOURS[view.severity], size: 20, details: [] }] },
    ];
  }, [view, vehicles.data, t]);
  const ring = useMemo(() => (view?.coords && view.evacuationRadiusM ? { points: circle(view.coords, view.evacuationRadiusM), colour: '#c81e1e' } : null), [view]);
  const frame = useMemo(() => (view?.coords ? frameOf(districtBox, [view.coords], Math.max(0.02, ((view.evacuationRadiusM ?? 500) * 5) / 100_000)) : null), [view, districtBox]);

  if (incident.loading && !view) return <Loading />;
  if (!view) return <ErrorNotice error={incident.error} testId="incident-error" />;

  const closed = view.status === 'closed';
  const stepTexts = new Map(view.steps.map((step) => [step.id, step.text[lang]]));
  const dispatched = new Set(view.units.map((u) => u.id));
  const place = [view.district ? districtName(new Map((city.data?.districts.features ?? []).map((f) => [f.properties.id, f])), view.district, lang) : '', view.coords ? `${view.coords[1].toFixed(4)}, ${view.coords[0].toFixed(4)}` : ''].filter(Boolean).join(' · ');
  const toggle = (unitId: string) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(unitId)) next.delete(unitId);
      else next.add(unitId);
      return next;
    });
  const submitNote = (event: FormEvent) => {
    event.preventDefault();
    if (note.trim()) act('note', () => addNote(view.id, note.trim()), () => setNote(''));
  };
  const submitClose = (event: FormEvent) => {
    event.preventDefault();
    if (outcome) act('close', () => closeIncident(view.id, outcome, closeNote.trim() || undefined));
  };

  return (
    <div className="command-incident-page" data-testid="incident-page" data-id={view.id} data-status={view.status}>
      <header className="command-incident-head">
        <div>
          <Link to="/command" className="command-back">
            ← {t('command.incident.back')}
          </Link>
          <h1 data-testid="incident-title">{view.title || dataLabel(t, 'command.incidentType', view.type)}</h1>
          <p className="page-subtitle">
            <span className="command-severity" style={{ background: SEVERITY_COLOURS[view.severity] }}>
              {t(`command.severity.${view.severity}`)}
            </span>{' '}
            <span data-testid="incident-type">{dataLabel(t, 'command.incidentType', view.type)}</span> ·{' '}
            <strong data-testid="incident-status" data-status={view.status}>
              {t(`command.incident.status.${view.status === 'acknowledged' ? 'acknowledged' : closed ? 'closed' : 'open'}`)}
            </strong>{' '}
            · {place} · {t('command.incident.opened', { time: formatDateTime(iso(view.openedAt)) })}
            {view.escalated ? <strong className="command-escalated"> · {t('command.incident.escalated')}</strong> : null}
          </p>
        </div>
        {view.status === 'open' ? (
          <button type="button" className="button button-primary" data-testid="incident-ack" disabled={working !== null} onClick={() => act('ack', () => acknowledgeIncident(view.id))}>
            {t('command.incident.ack')}
          </button>
        ) : null}
      </header>
      {actionError ? (
        <Notice tone="error" testId="incident-action-error">
          {describeError(actionError, t)}
        </Notice>
      ) : null}
      {closed ? (
        <Notice tone="success" testId="incident-closed">
          {t('command.incident.closedWith', { outcome: dataLabel(t, 'command.outcome', view.outcome), time: formatDateTime(iso(view.closedAt)) })}
        </Notice>
      ) : null}

      <div className="command-incident-grid">
        <section className="panel command-incident-map" aria-label={t('command.incident.map')}>
          {city.data && view.coords ? (
            <figure className="city-map command-small-map" data-testid="incident-map" data-radius={view.evacuationRadiusM ?? ''}>
              <Suspense fallback={<Loading />}>
                <LazyCommandMap districts={city.data.districts} layers={layers} frame={frame} ring={ring} label={t('command.incident.map')} testId="incident-map-canvas" />
              </Suspense>
            </figure>
          ) : (
            <p className="hint">{t('command.incident.noPlace')}</p>
          )}
          {view.evacuationRadiusM ? <p className="hint">{t('command.incident.radius', { metres: formatNumber(view.evacuationRadiusM, lang) })}</p> : null}
        </section>

        <section className="panel command-plan" aria-labelledby="incident-plan-title" data-testid="incident-plan">
          <h2 id="incident-plan-title">
            {t('command.plan.title')}
            {view.planName.zh ? <span className="command-panel-meta"> · {view.planName[lang]}</span> : null}
          </h2>
          {view.steps.length === 0 ? <p className="hint">{t('command.plan.none')}</p> : null}
          <ol className="command-steps">
            {view.steps.map((step) => {
              const late = !step.done && step.dueAt !== null && step.dueAt < Date.now();
              return (
                <li key={step.id} className={step.done ? 'command-step is-done' : late ? 'command-step is-late' : 'command-step'} data-testid="incident-step" data-id={step.id} data-done={step.done}>
                  <span className="command-step-text">{step.text[lang]}</span>
                  <span className="command-step-due">
                    {step.done
                      ? t('command.plan.doneAt', { time: timeText(step.doneAt) })
                      : step.dueAt !== null
                        ? t(late ? 'command.plan.late' : 'command.plan.due', { time: timeText(step.dueAt) })
                        : step.targetMinutes !== null
                          ? t('command.plan.within', { minutes: formatNumber(step.targetMinutes, lang) })
                          : ''}
                  </span>
                  {!step.done && !closed ? (
                    <button type="button" className="button button-small button-secondary" data-testid="incident-step-done" disabled={working !== null} onClick={() => act(`step-${step.id}`, () => markStepDone(view.id, step.id))}>
                      {t('command.plan.done')}
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ol>
        </section>

        <section className="panel command-recommend" aria-labelledby="incident-rec-title" data-testid="incident-recommendations">
          <h2 id="incident-rec-title">{t('command.rec.title')}</h2>
          <ErrorNotice error={recommendations.error} />
          {(recommendations.data ?? []).map((line, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the plan's unit lines keep their order; two may share a kind.
            <div key={`${line.kind}-${index}`} className="command-rec-line" data-testid="incident-rec-line" data-kind={line.kind}>
              {line.kind || line.label ? (
                <h3>
                  {line.label || dataLabel(t, 'command.vehicle', line.kind)} × {formatNumber(line.count, lang)}
                </h3>
              ) : null}
              {line.units.length === 0 ? <p className="hint">{t('command.rec.none')}</p> : null}
              <ul className="command-rec-units">
                {line.units.map((unit) => (
                  <li key={unit.id} data-testid="incident-rec-unit" data-id={unit.id} data-name={unit.name}>
                    <label>
                      <input type="checkbox" data-testid="incident-rec-check" checked={chosen.has(unit.id)} disabled={closed || dispatched.has(unit.id)} onChange={() => toggle(unit.id)} />
                      <span className="command-rec-name">{unit.name}</span>
                      <span className="command-rec-kind">{dataLabel(t, 'command.vehicle', unit.kind)}</span>
                      <span className="command-rec-figures">
                        {unit.distanceM !== null ? t('command.rec.distance', { km: formatNumber(Math.round(unit.distanceM / 100) / 10, lang) }) : ''}
                        {unit.etaS !== null ? ` · ${t('command.rec.eta', { minutes: formatNumber(Math.max(1, Math.round(unit.etaS / 60)), lang) })}` : ''}
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {!closed ? (
            <button
              type="button"
              className="button button-primary"
              data-testid="incident-dispatch"
              disabled={chosen.size === 0 || working !== null}
              onClick={() => act('dispatch', () => dispatchUnits(view.id, [...chosen]), () => {
                  setChosen(new Set());
                  setRecGeneration((g) => g + 1);
                })}
            >
              {t('command.rec.dispatch', { count: formatNumber(chosen.size, lang) })}
            </button>
          ) : null}
        </section>

        <section className="panel command-units" aria-labelledby="incident-units-title" data-testid="incident-units">
          <h2 id="incident-units-title">{t('command.units.title')}</h2>
          {view.units.length === 0 ? <p className="hint">{t('command.units.none')}</p> : null}
          <ul className="command-unit-list">
            {view.units.map((unit) => {
              const next = NEXT_STATUS[unit.status];
              const vehicle = vehicles.data?.get(unit.id);
              const status = unit.status === 'clear' ? 'available' : unitStatus(unit.status);
              return (
                <li key={unit.id} data-testid="incident-unit" data-id={unit.id} data-status={unit.status}>
                  <span className="overview-swatch is-dot" style={{ background: UNIT_COLOURS[status] }} aria-hidden="true" />
                  <span className="command-rec-name" data-testid="incident-unit-name">{vehicle?.name ?? unit.name}</span>
                  <span className="command-rec-kind">{dataLabel(t, 'command.vehicle', unit.kind || vehicle?.kind || '')}</span>
                  <time className="command-unit-at">{timeText(unit.at)}</time>
                  <span className="command-unit-status">{dataLabel(t, 'command.unit', unit.status)}</span>
                  {next && !closed ? (
                    <button type="button" className="button button-small button-secondary" data-testid={`incident-unit-${next}`} disabled={working !== null} onClick={() => act(`unit-${unit.id}`, () => setUnitStatus(view.id, unit.id, next))}>
                      {t(`command.units.to.${next}`)}
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </section>

        {!closed ? (
          <section className="panel command-actions" aria-label={t('command.actions')}>
            <form className="form command-note-form" onSubmit={submitNote}>
              <Field id="incident-note" label={t('command.note.label')}>
                <textarea id="incident-note" data-testid="incident-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
              </Field>
              <button type="submit" className="button button-secondary" data-testid="incident-note-add" disabled={!note.trim() || working !== null}>
                {t('command.note.add')}
              </button>
            </form>
            <form className="form command-close-form" onSubmit={submitClose} data-testid="incident-close-form">
              <h2>{t('command.close.title')}</h2>
              <Field id="incident-outcome" label={t('command.close.outcome')}>
                <select id="incident-outcome" data-testid="incident-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                  {OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {t(`command.outcome.${o}`)}
                    </option>
                  ))}
                </select>
              </Field>
              <Field id="incident-close-note" label={t('command.close.note')} optional>
                <textarea id="incident-close-note" data-testid="incident-close-note" rows={2} value={closeNote} onChange={(e) => setCloseNote(e.target.value)} />
              </Field>
              <button type="submit" className="button button-danger" data-testid="incident-close" disabled={!outcome || working !== null}>
                {t('command.close.submit')}
              </button>
            </form>
          </section>
        ) : null}

        <section className="panel command-timeline" aria-labelledby="incident-timeline-title" data-testid="incident-timeline">
          <h2 id="incident-timeline-title">{t('command.timeline.title')}</h2>
          <ol className="command-events">
            {view.timeline.map((event, index) => {
              const raw = (incident.data?.raw as { timeline?: unknown[]; events?: unknown[] } | undefined)?.timeline?.[index] ?? (incident.data?.raw as { events?: unknown[] } | undefined)?.events?.[index];
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: the timeline only grows at its end; two events may share a time.
                <li key={`${event.at}-${index}`} className="command-event" data-testid="incident-event" data-kind={event.kind}>
                  <time dateTime={iso(event.at)}>{formatDateTime(iso(event.at))}</time>
                  <span className="command-event-kind">{dataLabel(t, 'command.event', event.kind)}</span>
                  <span className="command-event-text">{eventSummary(event, raw, lang, t, vehicles.data, stepTexts)}</span>
                  {event.actor ? <span className="command-event-actor">{event.actor}</span> : null}
                </li>
              );
            })}
          </ol>
        </section>
      </div>
    </div>
  );
}
