/**
 * The command center's live state: alarms, today's counts, suppressed triggers and open incidents from their APIs,
 * the emergency units from the hub; the live stream of `Alert`, `Incident` and `EmergencyVehicle` changes moves units
 * in place and re-reads the APIs (at most twice a second) when an alert or incident changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type LiveState, streamEntityChanges } from '../../api/live.ts';
import { fetchAllEntities } from '../overview/api.ts';
import type { KeyValues } from '../overview/model.ts';
import { typeOf } from '../overview/model.ts';
import { fetchAlarms, fetchIncidents, fetchStats, fetchSuppressed } from './api.ts';
import { type AlarmStats, type AlarmView, cityDayStart, type IncidentView, type SuppressedView, type UnitOnMap, unitOnMap } from './model.ts';

const REFRESH_EVERY_MS = 500;
const UNIT_ATTRS = ['name', 'location', 'vehicleKind', 'status', 'refIncident', 'district'];

export interface CommandState {
  alarms: AlarmView[];
  stats: AlarmStats | null;
  suppressed: SuppressedView[];
  suppressedTotal: number;
  incidents: IncidentView[];
  units: Map<string, UnitOnMap>;
  live: LiveState;
  loading: boolean;
  error: unknown;
  /** Bumped on every applied change (tests and the "last update" line read it). */
  version: number;
  lastChange: number | null;
}

export function useCommand(): CommandState & { refresh: () => void } {
  const unitsRef = useRef(new Map<string, UnitOnMap>());
  const refreshRef = useRef<() => void>(() => {});
  const [state, setState] = useState<CommandState>(() => ({
    alarms: [],
    stats: null,
    suppressed: [],
    suppressedTotal: 0,
    incidents: [],
    units: unitsRef.current,
    live: 'connecting',
    loading: true,
    error: undefined,
    version: 0,
    lastChange: null,
  }));

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;

    // One read of everything the APIs hold; a change arriving meanwhile asks for one more read afterwards.
    const read = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const from = cityDayStart(Date.now());
        const [alarms, stats, suppressed, incidents] = await Promise.all([
          fetchAlarms(signal, 'all'),
          fetchStats(signal, from),
          fetchSuppressed(signal, from),
          fetchIncidents(signal, 'open'),
        ]);
        setState((s) => ({
          ...s,
          alarms: alarms.alarms,
          stats,
          suppressed: suppressed.suppressed,
          suppressedTotal: suppressed.total,
          incidents,
          loading: false,
          error: undefined,
          version: s.version + 1,
        }));
      } catch (error) {
        if (!signal.aborted) setState((s) => ({ ...s, loading: false, error }));
      } finally {
        running = false;
        if (again && !signal.aborted) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          void read();
        }, REFRESH_EVERY_MS);
      }
    };
    refreshRef.current = schedule;

    const stop = streamEntityChanges(
      { type: 'Alert,Incident,EmergencyVehicle' },
      (change) => {
        const type = change.entity ? typeOf({ ...change.entity, id: change.id } as KeyValues) : '';
        if (type === 'EmergencyVehicle' || (!change.entity && unitsRef.current.has(change.id))) {
          if (change.entity) unitsRef.current.set(change.id, unitOnMap({ ...change.entity, id: change.id } as KeyValues));
          else unitsRef.current.delete(change.id);
          setState((s) => ({ ...s, version: s.version + 1, lastChange: Date.now() }));
          return;
        }
        setState((s) => ({ ...s, lastChange: Date.now() }));
        schedule();
      },
      (live) => setState((s) => (s.live === live ? s : { ...s, live })),
    );

    void read();
    fetchAllEntities('EmergencyVehicle', UNIT_ATTRS, signal).then(
      (entities) => {
        for (const entity of entities) if (!unitsRef.current.has(entity.id)) unitsRef.current.set(entity.id, unitOnMap(entity));
        setState((s) => ({ ...s, version: s.version + 1 }));
      },
      (error: unknown) => {
        if (!signal.aborted) setState((s) => ({ ...s, error }));
      },
    );

    return () => {
      controller.abort();
      stop();
      if (timer) clearTimeout(timer);
    };
  }, []);

  const refresh = useCallback(() => refreshRef.current(), []);
  return { ...state, refresh };
}
