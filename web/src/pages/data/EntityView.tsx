import { type ReactNode, Suspense, useMemo } from 'react';
import { fetchEntity, type NgsiAttribute, type NgsiEntity } from '../../api/ngsi.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { type CityMapPoint, LazyCityMap } from '../../components/city-map/index.ts';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { dataHref } from './links.ts';
import {
  type AttributeEntry,
  attributeValue,
  entityAttributes,
  entityTypes,
  extraMembers,
  markerPosition,
  primaryInstance,
  shortId,
  sortedAttributes,
  subAttributes,
  unitSymbol,
  valueText,
} from './model.ts';
import { useKeyedLoad } from './useKeyedLoad.ts';
import { FullValue, KindBadge } from './values.tsx';

/** The type in `urn:ngsi-ld:<Type>:<local id>`, so the way back is known before the entity loads. */
function typeFromUrn(id: string): string {
  const match = /^urn:ngsi-ld:([^:]+):./.exec(id);
  return match?.[1] ?? '';
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={iso}>
      {formatDateTime(iso)}
    </time>
  );
}

/**
 * Unit, observation time, dataset and extra members of one instance. Of the system times only a
 * modification that differs from the entity's own is shown; the rest would repeat the summary.
 */
function InstanceMeta({
  instance,
  multiple,
  entityModifiedAt,
}: {
  instance: NgsiAttribute;
  multiple: boolean;
  entityModifiedAt: string | undefined;
}) {
  const { t, lang } = useI18n();
  const items: { key: string; label: string; value: ReactNode }[] = [];
  if (instance.unitCode) {
    const symbol = unitSymbol(instance.unitCode);
    items.push({
      key: 'unitCode',
      label: t('data.attr.unit'),
      value: (
        <>
          {symbol}
          {symbol !== instance.unitCode ? <span className="muted mono small"> {instance.unitCode}</span> : null}
        </>
      ),
    });
  }
  if (typeof instance.observedAt === 'string') {
    items.push({ key: 'observedAt', label: t('data.attr.observedAt'), value: <Time iso={instance.observedAt} /> });
  }
  if (instance.datasetId !== undefined) {
    items.push({
      key: 'datasetId',
      label: t('data.attr.datasetId'),
      value: <code className="mono">{String(instance.datasetId)}</code>,
    });
  } else if (multiple) {
    items.push({ key: 'datasetId', label: t('data.attr.datasetId'), value: t('data.attr.defaultDataset') });
  }
  if (typeof instance.modifiedAt === 'string' && instance.modifiedAt !== entityModifiedAt) {
    items.push({ key: 'modifiedAt', label: t('data.attr.modifiedAt'), value: <Time iso={instance.modifiedAt} /> });
  }
  for (const [name, value] of extraMembers(instance)) {
    items.push({ key: name, label: name, value: <code className="mono">{valueText(value, lang)}</code> });
  }
  if (items.length === 0) return null;
  return (
    <dl className="attr-meta">
      {items.map((item) => (
        <div key={item.key} data-meta={item.key}>
          <dt>{item.label}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One attribute (or sub-attribute): name, kind, and for each instance its value, metadata and sub-attributes. */
function AttributeBlock({
  entry,
  depth,
  entityModifiedAt,
}: {
  entry: AttributeEntry;
  depth: number;
  entityModifiedAt: string | undefined;
}) {
  const { t } = useI18n();
  const kinds = [...new Set(entry.instances.map((instance) => instance.type))];
  const Heading = depth === 0 ? 'h3' : 'h4';
  return (
    <section
      className={depth === 0 ? 'attr' : 'attr is-sub'}
      data-testid={depth === 0 ? `entity-attr-${entry.name}` : `entity-subattr-${entry.name}`}
      aria-label={entry.name}
    >
      <header className="attr-head">
        <Heading className="attr-name mono">{entry.name}</Heading>
        {kinds.map((kind) => (
          <KindBadge key={kind} kind={kind} />
        ))}
        {entry.instances.length > 1 ? (
          <span className="muted small">{t('data.attr.instances', { count: entry.instances.length })}</span>
        ) : null}
      </header>
      {entry.instances.map((instance, index) => {
        const subs = sortedAttributes(subAttributes(instance));
        return (
          <div className="attr-instance" key={instance.datasetId ?? `default-${index}`}>
            <div className="attr-value" data-testid="attr-value">
              <FullValue attribute={instance} />
            </div>
            <InstanceMeta
              instance={instance}
              multiple={entry.instances.length > 1}
              entityModifiedAt={entityModifiedAt}
            />
            {subs.length > 0 ? (
              <div className="attr-subs">
                <p className="attr-subs-title">{t('data.attr.subAttributes')}</p>
                {subs.map((sub) => (
                  <AttributeBlock key={sub.name} entry={sub} depth={depth + 1} entityModifiedAt={entityModifiedAt} />
                ))}
              </div>
            ) : null}
          </div>
        );
      })}
    </section>
  );
}

function displayName(entity: NgsiEntity | undefined, lang: 'zh' | 'en'): string | null {
  if (!entity) return null;
  const entry = entityAttributes(entity).find((candidate) => candidate.name === 'name');
  const primary = entry ? primaryInstance(entry.instances) : undefined;
  if (!primary) return null;
  const value = attributeValue(primary);
  const text = typeof value === 'string' || (value && typeof value === 'object') ? valueText(value, lang) : '';
  return text && text.length <= 80 ? text : null;
}

function EntitySummary({ entity, type }: { entity: NgsiEntity; type: string }) {
  const { t } = useI18n();
  const city = useCity();
  const types = entityTypes(entity);
  const { coords, points } = useMemo(() => {
    const location = entityAttributes(entity).find((entry) => entry.name === 'location');
    const instance = location ? primaryInstance(location.instances) : undefined;
    const position = instance ? markerPosition(attributeValue(instance)) : null;
    const marker: CityMapPoint[] = position
      ? [{ id: entity.id, name: shortId(entity.id, type), coords: position, value: 0, size: 16 }]
      : [];
    return { coords: position, points: marker };
  }, [entity, type]);
  const scope = entity.scope === undefined ? [] : Array.isArray(entity.scope) ? entity.scope : [entity.scope];

  return (
    <aside className="panel entity-summary" aria-label={t('data.entity.type')}>
      <dl className="summary-list">
        <div>
          <dt>{t('data.entity.type')}</dt>
          <dd className="badge-list" data-testid="entity-type">
            {types.map((name) => (
              <Link key={name} to={dataHref({ type: name })} className="type-chip mono">
                {name}
              </Link>
            ))}
          </dd>
        </div>
        {scope.length > 0 ? (
          <div>
            <dt>{t('data.entity.scope')}</dt>
            <dd className="mono">{scope.join(', ')}</dd>
          </div>
        ) : null}
        {entity.createdAt ? (
          <div>
            <dt>{t('data.entity.createdAt')}</dt>
            <dd>
              <Time iso={entity.createdAt} />
            </dd>
          </div>
        ) : null}
        {entity.modifiedAt ? (
          <div>
            <dt>{t('data.entity.modifiedAt')}</dt>
            <dd>
              <Time iso={entity.modifiedAt} />
            </dd>
          </div>
        ) : null}
      </dl>
      {coords && city.data?.districts ? (
        <div className="entity-location">
          <h2 className="summary-title">
            <Icon name="pin" size={18} />
            {t('data.entity.location')}
          </h2>
          <Suspense
            fallback={
              <div className="city-map city-map-loading entity-map">
                <Loading />
              </div>
            }
          >
            <LazyCityMap
              districts={city.data.districts}
              points={points}
              className="entity-map"
              label={t('data.entity.mapLabel', { id: entity.id })}
            />
          </Suspense>
          <p className="hint mono">
            {coords.map((value) => value.toFixed(5)).join(', ')}
          </p>
        </div>
      ) : null}
    </aside>
  );
}

/** `/data/<id>`: everything the hub knows about one entity. */
export function EntityView({ id, generation, onRefresh }: { id: string; generation: number; onRefresh: () => void }) {
  const { t, lang } = useI18n();
  const state = useKeyedLoad(id, (signal) => fetchEntity(id, signal), generation);
  const entity = state.data;
  const type = (entity ? entityTypes(entity)[0] : undefined) ?? typeFromUrn(id);
  const attributes = entity ? sortedAttributes(entityAttributes(entity)) : [];
  const title = displayName(entity, lang) ?? shortId(id, type);

  return (
    <div className="page data-page data-entity-page" data-testid="entity-view">
      <Link to={type ? dataHref({ type }) : dataHref()} className="back-link" data-testid="entity-back">
        <Icon name="arrowLeft" size={18} />
        {type ? t('data.entity.back', { type }) : t('data.entity.backAll')}
      </Link>
      <PageHeader
        title={title}
        subtitle={
          <code className="mono entity-id" data-testid="entity-id">
            {id}
          </code>
        }
        actions={
          <button type="button" className="button button-ghost" onClick={onRefresh} disabled={state.loading}>
            {t('common.refresh')}
          </button>
        }
      />
      <ErrorNotice error={state.error} testId="entity-error" />
      {state.loading && !entity && !state.error ? <Loading /> : null}
      {entity ? (
        <div className="entity-columns">
          <section className="panel entity-attributes" aria-labelledby="entity-attributes-title">
            <div className="panel-header">
              <h2 id="entity-attributes-title">{t('data.entity.attributes')}</h2>
              <span className="panel-meta">{t('data.entity.attributeCount', { count: attributes.length })}</span>
            </div>
            {attributes.length === 0 ? (
              <p className="empty">{t('data.entity.noAttributes')}</p>
            ) : (
              <div className="attr-list">
                {attributes.map((entry) => (
                  <AttributeBlock key={entry.name} entry={entry} depth={0} entityModifiedAt={entity.modifiedAt} />
                ))}
              </div>
            )}
          </section>
          <EntitySummary entity={entity} type={type} />
        </div>
      ) : null}
    </div>
  );
}
