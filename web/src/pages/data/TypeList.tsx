import { useEffect, useState } from 'react';
import { countEntities, type EntityTypeInfo } from '../../api/ngsi.ts';
import { formatNumber, useI18n } from '../../i18n/index.ts';
import { Link, navigate } from '../../router/index.ts';
import { dataHref } from './links.ts';

/** How many entities each type has: `undefined` while counting, `null` when the count failed. */
export type TypeCounts = ReadonlyMap<string, number | null>;

const PARALLEL_COUNTS = 4;

/** Counts the entities of every type (`limit=0&count=true`), a few requests at a time. */
export function useTypeCounts(types: readonly EntityTypeInfo[] | undefined): TypeCounts {
  const [counts, setCounts] = useState<TypeCounts>(new Map());
  useEffect(() => {
    if (!types) return;
    const controller = new AbortController();
    const queue = types.map((type) => type.typeName);
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        let count: number | null;
        try {
          count = await countEntities({ type: name }, controller.signal);
        } catch {
          count = null;
        }
        if (controller.signal.aborted) return;
        const typeName = name;
        setCounts((current) => new Map(current).set(typeName, count));
      }
    };
    for (let i = 0; i < PARALLEL_COUNTS; i += 1) void worker();
    return () => controller.abort();
  }, [types]);
  return counts;
}

function CountText({ count }: { count: number | null | undefined }) {
  const { t, lang } = useI18n();
  if (count === undefined) return <span className="type-count is-pending" aria-hidden="true" />;
  if (count === null) return <span className="type-count">{t('data.types.countUnknown')}</span>;
  return (
    <span className="type-count" title={t('data.types.countLabel', { count })}>
      {formatNumber(count, lang)}
    </span>
  );
}

/** The entity types: a column of links on wide screens, a select on phones and tablets. */
export function TypeList({
  types,
  counts,
  current,
}: {
  types: readonly EntityTypeInfo[];
  counts: TypeCounts;
  current: string;
}) {
  const { t, lang } = useI18n();
  const known = types.some((type) => type.typeName === current);
  return (
    <>
      <nav className="panel data-types" aria-labelledby="data-types-title">
        <div className="panel-header">
          <h2 id="data-types-title">{t('data.types.title')}</h2>
          <span className="panel-meta">{t('data.types.count', { count: types.length })}</span>
        </div>
        <ul className="type-list" data-testid="data-types">
          {types.map((type) => {
            const selected = type.typeName === current;
            return (
              <li key={type.id}>
                <Link
                  to={dataHref({ type: type.typeName })}
                  className={selected ? 'type-link is-current' : 'type-link'}
                  aria-current={selected ? 'page' : undefined}
                  data-testid={`data-type-${type.typeName}`}
                  title={type.id}
                >
                  <span className="type-name">{type.typeName}</span>
                  <CountText count={counts.get(type.typeName)} />
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="data-type-picker">
        <label htmlFor="data-type-select">{t('data.types.select')}</label>
        <select
          id="data-type-select"
          data-testid="data-type-select"
          value={current}
          onChange={(event) => navigate(dataHref({ type: event.target.value }))}
        >
          {known ? null : <option value={current}>{current}</option>}
          {types.map((type) => {
            const count = counts.get(type.typeName);
            return (
              <option key={type.id} value={type.typeName}>
                {typeof count === 'number'
                  ? t('data.types.option', { type: type.typeName, count: formatNumber(count, lang) })
                  : type.typeName}
              </option>
            );
          })}
        </select>
      </div>
    </>
  );
}
