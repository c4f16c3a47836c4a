/** How an attribute's kind and value are shown, in the table (compact) and on the entity page (in full). */
import type { NgsiAttribute } from '../../api/ngsi.ts';
import { Badge, type BadgeTone } from '../../components/Badge.tsx';
import { formatDateTime, hasMessage, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { entityHref } from './links.ts';
import {
  attributeValue,
  formatDataNumber,
  isRelationship,
  isScalar,
  relationshipTargets,
  typedLiteral,
  unitSpacing,
  unitSymbol,
  valueText,
  withUnit,
} from './model.ts';

const KIND_TONE: Record<string, BadgeTone> = {
  Property: 'info',
  Relationship: 'success',
  ListRelationship: 'success',
  GeoProperty: 'warning',
};

/** Property / Relationship / GeoProperty / …, translated, with the NGSI-LD term as its tooltip. */
export function KindBadge({ kind }: { kind: string }) {
  const { t } = useI18n();
  const key = `data.kind.${kind}`;
  return (
    <span title={kind} className="kind-badge">
      <Badge tone={KIND_TONE[kind] ?? 'neutral'}>{hasMessage(key) ? t(key) : kind}</Badge>
    </span>
  );
}

/** `urn:ngsi-ld:Device:aq-sensor-1` → `aq-sensor-1` in a table cell (the column names the relationship). */
function compactTarget(target: string): string {
  const match = /^urn:ngsi-ld:[^:]+:(.+)$/.exec(target);
  return match?.[1] ?? target;
}

function RelationshipLinks({ attribute, compact }: { attribute: NgsiAttribute; compact: boolean }) {
  const { t } = useI18n();
  const targets = relationshipTargets(attribute);
  return (
    <span className={compact ? 'rel-links is-compact' : 'rel-links'}>
      {targets.map((target) => (
        <Link
          key={target}
          to={entityHref(target)}
          className="rel-link mono"
          data-testid="entity-rel-link"
          title={t('data.attr.open', { id: target })}
          onClick={(event) => event.stopPropagation()}
        >
          {compact ? compactTarget(target) : target}
        </Link>
      ))}
    </span>
  );
}

function geometrySummary(value: unknown, lang: 'zh' | 'en'): string {
  if (value === null || typeof value !== 'object') return valueText(value, lang);
  const geometry = value as { type?: unknown; coordinates?: unknown };
  const type = typeof geometry.type === 'string' ? geometry.type : '';
  const c = geometry.coordinates;
  if (type === 'Point' && Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') {
    return `Point ${formatDataNumber(c[0], lang)}, ${formatDataNumber(c[1], lang)}`;
  }
  return type || 'GeoJSON';
}

/** A table cell: one line, relationships as links, units after numbers. */
export function CellValue({ attribute }: { attribute: NgsiAttribute | undefined }) {
  const { t, lang } = useI18n();
  if (!attribute) return <span className="muted">{t('common.dash')}</span>;
  if (isRelationship(attribute)) return <RelationshipLinks attribute={attribute} compact />;
  const value = attributeValue(attribute);
  if (attribute.type === 'GeoProperty') return <span className="mono small">{geometrySummary(value, lang)}</span>;
  const literal = typedLiteral(value);
  if (literal?.type === 'DateTime') return <span className="nowrap">{formatDateTime(literal.value)}</span>;
  const text = valueText(value, lang);
  if (!isScalar(value) && !literal && attribute.type !== 'LanguageProperty') {
    return (
      <span className="cell-json mono small" title={text}>
        {text}
      </span>
    );
  }
  return <span className={typeof value === 'number' ? 'cell-number' : undefined}>{withUnit(text, attribute.unitCode)}</span>;
}

function JsonBlock({ value }: { value: unknown }) {
  return <pre className="json-block">{JSON.stringify(value, null, 2)}</pre>;
}

/** The entity page: the whole value, pretty JSON for structures, each language of a language map. */
export function FullValue({ attribute }: { attribute: NgsiAttribute }) {
  const { t, lang } = useI18n();
  if (isRelationship(attribute)) return <RelationshipLinks attribute={attribute} compact={false} />;
  const value = attributeValue(attribute);

  if (attribute.type === 'GeoProperty') {
    return (
      <div className="geo-value">
        <span className="mono">{geometrySummary(value, lang)}</span>
        <details>
          <summary>{t('data.attr.geoJson')}</summary>
          <JsonBlock value={value} />
        </details>
      </div>
    );
  }

  if (attribute.type === 'LanguageProperty' && value && typeof value === 'object' && !Array.isArray(value)) {
    return (
      <dl className="language-map">
        {Object.entries(value as Record<string, unknown>).map(([tag, text]) => (
          <div key={tag}>
            <dt className="mono small">{tag}</dt>
            <dd>{valueText(text, lang)}</dd>
          </div>
        ))}
      </dl>
    );
  }

  const literal = typedLiteral(value);
  if (literal) {
    return (
      <span className="scalar-value">
        {literal.type === 'DateTime' ? formatDateTime(literal.value) : literal.value}
        {literal.type ? <span className="muted small"> {literal.type}</span> : null}
      </span>
    );
  }

  if (isScalar(value) || value === undefined) {
    const unit = unitSymbol(attribute.unitCode);
    return (
      <span className={typeof value === 'number' ? 'scalar-value is-number' : 'scalar-value'}>
        <span className={value === null || typeof value === 'boolean' ? 'mono' : undefined}>{valueText(value, lang)}</span>
        {unit && typeof value === 'number' ? <span className="unit">{unitSpacing(unit)}{unit}</span> : null}
      </span>
    );
  }
  return <JsonBlock value={value} />;
}
