import { Suspense, useMemo, useState } from 'react';
import { isApiError } from '../../api/client.ts';
import { fetchEntitiesGeo, NGSI_MAX_LIMIT } from '../../api/ngsi.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { type CityMapPoint, LazyCityMap } from '../../components/city-map/index.ts';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { formatNumber, type Lang, localized, type Translate, useI18n } from '../../i18n/index.ts';
import { navigate } from '../../router/index.ts';
import { entityHref } from './links.ts';
import {
  CATEGORY_COLOURS,
  type ColourChoice,
  colourChoices,
  featureAttributes,
  featureValue,
  formatDataNumber,
  GEO_KINDS,
  isRelationship,
  isScalar,
  markerPosition,
  NO_VALUE_COLOUR,
  primaryInstance,
  SCALE_GRADIENT,
  scaleColour,
  shortId,
  attributeValue,
  unitSymbol,
  valueText,
  withUnit,
} from './model.ts';
import type { GeoFeature } from '../../api/ngsi.ts';
import { useKeyedLoad } from './useKeyedLoad.ts';

const MARKER_SIZE = 13;
const TOOLTIP_LINES = 4;

type Legend =
  | { kind: 'none' }
  | { kind: 'number'; name: string; unit: string; min: number; max: number; missing: boolean }
  | { kind: 'category'; name: string; entries: { label: string; colour: string }[]; missing: boolean };

function tooltipLines(feature: GeoFeature, first: string | undefined, lang: Lang): string[] {
  const lines: string[] = [];
  const entries = featureAttributes(feature);
  entries.sort((a, b) => Number(b.name === first) - Number(a.name === first));
  for (const { name, instances } of entries) {
    const primary = primaryInstance(instances);
    if (!primary || GEO_KINDS.has(primary.type) || isRelationship(primary)) continue;
    const value = attributeValue(primary);
    if (!isScalar(value)) continue;
    lines.push(`${name}: ${withUnit(valueText(value, lang), primary.unitCode)}`);
    if (lines.length >= TOOLTIP_LINES) break;
  }
  return lines;
}

/** Markers for the features that have a location, coloured by `choice`, and the legend to match. */
function buildPoints(
  features: readonly GeoFeature[],
  type: string,
  choice: ColourChoice | undefined,
  lang: Lang,
): { points: CityMapPoint[]; legend: Legend; withoutLocation: number } {
  const located: { feature: GeoFeature; id: string; coords: [number, number] }[] = [];
  let withoutLocation = 0;
  for (const feature of features) {
    const coords = markerPosition(feature.geometry);
    const id = typeof feature.id === 'string' ? feature.id : String(feature.id ?? '');
    if (coords && id) located.push({ feature, id, coords });
    else withoutLocation += 1;
  }

  let colourOf: (feature: GeoFeature) => string | undefined = () => undefined;
  let legend: Legend = { kind: 'none' };
  if (choice?.kind === 'number') {
    const values = located
      .map(({ feature }) => featureValue(feature, choice.name)?.value)
      .filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    const min = Math.min(...values);
    const max = Math.max(...values);
    colourOf = (feature) => {
      const value = featureValue(feature, choice.name)?.value;
      return typeof value === 'number' && Number.isFinite(value) ? scaleColour(value, min, max) : NO_VALUE_COLOUR;
    };
    legend = values.length
      ? {
          kind: 'number',
          name: choice.name,
          unit: unitSymbol(choice.unitCode),
          min,
          max,
          missing: values.length < located.length,
        }
      : { kind: 'none' };
  } else if (choice?.kind === 'category') {
    const labels = [
      ...new Set(
        located
          .map(({ feature }) => featureValue(feature, choice.name)?.value)
          .filter((value) => typeof value === 'string' || typeof value === 'boolean')
          .map(String),
      ),
    ].sort();
    const colours = new Map(labels.map((label, index) => [label, CATEGORY_COLOURS[index % CATEGORY_COLOURS.length]]));
    colourOf = (feature) => {
      const value = featureValue(feature, choice.name)?.value;
      return colours.get(String(value)) ?? NO_VALUE_COLOUR;
    };
    legend = {
      kind: 'category',
      name: choice.name,
      entries: labels.map((label) => ({ label, colour: colours.get(label) ?? NO_VALUE_COLOUR })),
      missing: located.some(({ feature }) => !colours.has(String(featureValue(feature, choice.name)?.value))),
    };
  }

  const points = located.map<CityMapPoint>(({ feature, id, coords }) => {
    const colour = colourOf(feature);
    return {
      id,
      name: shortId(id, type),
      coords,
      value: 0,
      size: MARKER_SIZE,
      details: tooltipLines(feature, choice?.name, lang),
      ...(colour ? { color: colour } : {}),
    };
  });
  return { points, legend, withoutLocation };
}

function MapLegend({ legend, t, lang }: { legend: Legend; t: Translate; lang: Lang }) {
  const missing =
    legend.kind !== 'none' && legend.missing ? (
      <span className="legend-item">
        <span className="legend-swatch" style={{ background: NO_VALUE_COLOUR }} />
        {t('data.map.noValue')}
      </span>
    ) : null;
  if (legend.kind === 'number') {
    const fmt = (value: number) => formatDataNumber(value, lang);
    return (
      <div className="map-legend" data-testid="data-map-legend">
        <span className="legend-title mono">
          {legend.name}
          {legend.unit ? ` (${legend.unit})` : ''}
        </span>
        <span className="legend-scale">
          <span>{fmt(legend.min)}</span>
          <span className="legend-bar" style={{ background: SCALE_GRADIENT }} aria-hidden="true" />
          <span>{fmt(legend.max)}</span>
        </span>
        {missing}
      </div>
    );
  }
  if (legend.kind === 'category') {
    return (
      <div className="map-legend" data-testid="data-map-legend">
        <span className="legend-title">{t('data.map.categories', { name: legend.name })}</span>
        {legend.entries.map((entry) => (
          <span className="legend-item" key={entry.label}>
            <span className="legend-swatch" style={{ background: entry.colour }} />
            {entry.label}
          </span>
        ))}
        {missing}
      </div>
    );
  }
  return (
    <div className="map-legend" data-testid="data-map-legend">
      <span className="legend-item">
        <span className="legend-swatch is-default" />
        {t('data.map.location')}
      </span>
    </div>
  );
}

/** The selected type's entities on the city's district map; a click on a point opens the entity. */
export function EntityMap({ type, q, generation }: { type: string; q: string; generation: number }) {
  const { t, lang } = useI18n();
  const city = useCity();
  const state = useKeyedLoad(
    JSON.stringify({ type, q }),
    (signal) => fetchEntitiesGeo({ type, q }, signal),
    generation,
  );
  const features = state.data?.collection.features;
  const choices = useMemo(() => colourChoices(features ?? []), [features]);
  const [picked, setPicked] = useState<{ type: string; name: string } | null>(null);
  const colourName = picked?.type === type ? picked.name : (choices[0]?.name ?? '');
  const choice = choices.find((candidate) => candidate.name === colourName);
  const { points, legend, withoutLocation } = useMemo(
    () => buildPoints(features ?? [], type, choice, lang),
    [features, type, choice, lang],
  );
  const total = state.data?.total ?? null;
  const truncated = total !== null && features !== undefined && total > features.length;
  // A rejected filter is explained next to the filter box already.
  const error = q && isApiError(state.error) && state.error.status === 400 ? undefined : state.error;
  const districts = city.data?.districts;
  const cityName = city.data ? localized(city.data.name, lang) : '';

  return (
    <section className="panel data-map" aria-labelledby="data-map-title" data-testid="data-map">
      <div className="panel-header">
        <h2 id="data-map-title">{t('data.map.title')}</h2>
        {features ? (
          <span className="panel-meta" data-testid="data-map-count" data-points={points.length}>
            {t('data.map.count', { count: formatNumber(points.length, lang) })}
          </span>
        ) : null}
      </div>
      {choices.length > 0 ? (
        <div className="map-controls">
          <label htmlFor="data-colour-by">{t('data.map.colourBy')}</label>
          <select
            id="data-colour-by"
            data-testid="data-colour-by"
            value={choice?.name ?? ''}
            onChange={(event) => setPicked({ type, name: event.target.value })}
          >
            {choices.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name}
              </option>
            ))}
            <option value="">{t('data.map.colourNone')}</option>
          </select>
        </div>
      ) : null}
      <ErrorNotice error={error} testId="data-map-error" />
      {city.error ? <ErrorNotice error={city.error} /> : null}
      {districts ? (
        <Suspense
          fallback={
            <div className="city-map city-map-loading">
              <Loading />
            </div>
          }
        >
          <LazyCityMap
            districts={districts}
            points={points}
            onSelectPoint={(point) => navigate(entityHref(point.id ?? point.name))}
            label={t('data.map.label', { type }) + (cityName ? ` · ${cityName}` : '')}
            className={state.loading ? 'is-refreshing' : undefined}
          />
        </Suspense>
      ) : city.loading ? (
        <div className="city-map city-map-loading">
          <Loading />
        </div>
      ) : null}
      {points.length > 0 ? (
        <div className="map-caption data-map-caption">
          <MapLegend legend={legend} t={t} lang={lang} />
          <span className="map-hint">{t('data.map.hint')}</span>
        </div>
      ) : null}
      {features && features.length > 0 && points.length === 0 ? <p className="hint">{t('data.map.empty')}</p> : null}
      {withoutLocation > 0 && points.length > 0 ? (
        <p className="hint">{t('data.map.noLocation', { count: formatNumber(withoutLocation, lang) })}</p>
      ) : null}
      {truncated ? <p className="hint">{t('data.map.truncated', { limit: formatNumber(NGSI_MAX_LIMIT, lang) })}</p> : null}
    </section>
  );
}
