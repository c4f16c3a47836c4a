/**
 * The department queue for officers (admins see every department): sorted by deadline, overdue and
 * escalated requests marked, filters, bulk actions on the ticked rows, and each request's own actions.
 */
import { type FormEvent, Fragment, useEffect, useState } from 'react';
import { fetchDepartments } from '../../api/endpoints.ts';
import { useApi } from '../../api/useApi.ts';
import { useAuth } from '../../auth/index.ts';
import { hasAnyRole } from '../../auth/session.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, localized, useI18n } from '../../i18n/index.ts';
import { departmentName } from '../admin/shared.tsx';
import { Link } from '../../router/index.ts';
import { type BulkChange, type BulkResult, bulkChange, CLOSE_REASONS, type CloseReason, fetchQueue, type RequestView, STATUSES } from './api.ts';
import { closeReasonKey, formatMinute, statusKey } from './model.ts';
import { OfficerPanel } from './OfficerPanel.tsx';
import { StatusBadge } from './RequestPage.tsx';

const PAGE_SIZE = 50;

type BulkAction = '' | 'acknowledged' | 'in_progress' | 'planned' | 'fixed' | 'closed' | 'assign';
const BULK_ACTIONS: readonly Exclude<BulkAction, ''>[] = ['acknowledged', 'in_progress', 'planned', 'fixed', 'closed', 'assign'];

function BulkBar({ ids, onDone }: { ids: string[]; onDone: (results: BulkResult[]) => void }) {
  const { t, lang } = useI18n();
  const [action, setAction] = useState<BulkAction>('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState<CloseReason>('no_further_action');
  const [officer, setOfficer] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const needsNote = action === 'fixed';
  const ready = action !== '' && (!needsNote || note.trim() !== '') && (action !== 'assign' || officer.trim() !== '');

  async function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!ready || busy) return;
    const body: BulkChange = { ids };
    if (action === 'assign') body.officer = officer.trim();
    else if (action) body.status = action;
    if (action === 'closed') body.closeReason = reason;
    if (note.trim()) body.note = note.trim();
    setBusy(true);
    setError(undefined);
    try {
      onDone(await bulkChange(body));
      setAction('');
      setNote('');
      setOfficer('');
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="bulk-bar" onSubmit={apply} data-testid="bulk-bar">
      <span className="bulk-count" data-testid="bulk-count">
        {t('requests.queue.selected', { count: formatNumber(ids.length, lang) })}
      </span>
      <label className="visually-hidden" htmlFor="bulk-action">
        {t('requests.queue.bulkAction')}
      </label>
      <select id="bulk-action" data-testid="bulk-action" value={action} onChange={(e) => setAction(e.target.value as BulkAction)}>
        <option value="">{t('requests.queue.bulkAction')}</option>
        {BULK_ACTIONS.map((a) => (
          <option key={a} value={a}>
            {a === 'assign' ? t('requests.queue.bulkAssign') : a === 'closed' ? t('requests.queue.bulkClose') : t('requests.queue.bulkTo', { status: t(statusKey(a)) })}
          </option>
        ))}
      </select>
      {action === 'closed' ? (
        <>
          <label className="visually-hidden" htmlFor="bulk-close-reason">
            {t('requests.officer.closeReason')}
          </label>
          <select id="bulk-close-reason" data-testid="bulk-close-reason" value={reason} onChange={(e) => setReason(e.target.value as CloseReason)}>
            {CLOSE_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(closeReasonKey(r))}
              </option>
            ))}
          </select>
        </>
      ) : null}
      {action === 'assign' ? (
        <>
          <label className="visually-hidden" htmlFor="bulk-officer">
            {t('requests.officer.assign')}
          </label>
          <input id="bulk-officer" data-testid="bulk-officer" value={officer} placeholder={t('requests.officer.assignHint')} onChange={(e) => setOfficer(e.target.value)} />
        </>
      ) : null}
      {action && action !== 'assign' ? (
        <>
          <label className="visually-hidden" htmlFor="bulk-note">
            {t('requests.officer.note')}
          </label>
          <input
            id="bulk-note"
            data-testid="bulk-note"
            className="bulk-note"
            value={note}
            placeholder={needsNote ? t('requests.officer.fixedNoteHint') : t('requests.officer.noteHint')}
            onChange={(e) => setNote(e.target.value)}
          />
        </>
      ) : null}
      <button type="submit" className="button button-primary" data-testid="bulk-apply" disabled={!ready || busy}>
        {t('requests.queue.apply', { count: formatNumber(ids.length, lang) })}
      </button>
      <ErrorNotice error={error} testId="bulk-error" />
    </form>
  );
}

export function QueuePage() {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const city = useCity();
  const admin = hasAnyRole(user, ['admin']);
  const departments = useApi((signal) => fetchDepartments(signal), []);
  const [department, setDepartment] = useState('');
  const [district, setDistrict] = useState('');
  const [status, setStatus] = useState('');
  const [overdue, setOverdue] = useState(false);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<string | null>(null);
  const [results, setResults] = useState<BulkResult[] | null>(null);
  const [edits, setEdits] = useState<Record<string, RequestView>>({});
  const queue = useApi(
    (signal) => fetchQueue({ department, district, status, overdue, limit: PAGE_SIZE, offset }, signal),
    [department, district, status, overdue, offset],
  );

  // A new page of rows: what was ticked or edited belongs to the old one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: new rows are the trigger.
  useEffect(() => {
    setSelected(new Set());
    setEdits({});
  }, [queue.data]);

  const rows = (queue.data?.requests ?? []).map((row) => edits[row.id] ?? row);
  const total = queue.data?.total ?? 0;
  const allTicked = rows.length > 0 && rows.every((row) => selected.has(row.id));
  const districtName = (row: RequestView) => (row.districtName ? localized(row.districtName, lang) : t('common.dash'));

  function toggle(id: string, on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  function filter<T>(set: (value: T) => void) {
    return (value: T) => {
      set(value);
      setOffset(0);
      setResults(null);
    };
  }

  const failed = results?.filter((r) => !r.ok) ?? [];
  return (
    <div className="page queue-page">
      <PageHeader
        title={t('requests.queue.title')}
        subtitle={
          user?.department && !admin
            ? t('requests.queue.subtitleDept', { department: departmentName(user.department, departments.data ?? [], lang) })
            : t('requests.queue.subtitle')
        }
      />
      <section className="panel" aria-labelledby="queue-title">
        <div className="panel-header">
          <h2 id="queue-title">
            {t('requests.queue.listTitle')}
            {queue.data ? (
              <span className="panel-meta" data-testid="queue-total">
                {' '}
                {t('requests.queue.total', { count: formatNumber(total, lang) })}
              </span>
            ) : null}
          </h2>
          <button type="button" className="button button-ghost" onClick={queue.reload} disabled={queue.loading}>
            {t('common.refresh')}
          </button>
        </div>
        <div className="queue-filters" data-testid="queue-filters">
          {admin ? (
            <label className="filter-field">
              <span>{t('requests.queue.department')}</span>
              <select data-testid="queue-filter-department" value={department} onChange={(e) => filter(setDepartment)(e.target.value)}>
                <option value="">{t('requests.queue.allDepartments')}</option>
                {(departments.data ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {localized(d.name, lang)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="filter-field">
            <span>{t('requests.queue.status')}</span>
            <select data-testid="queue-filter-status" value={status} onChange={(e) => filter(setStatus)(e.target.value)}>
              <option value="">{t('requests.queue.allStatuses')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(statusKey(s))}
                </option>
              ))}
            </select>
          </label>
          <label className="filter-field">
            <span>{t('requests.queue.district')}</span>
            <select data-testid="queue-filter-district" value={district} onChange={(e) => filter(setDistrict)(e.target.value)}>
              <option value="">{t('requests.queue.allDistricts')}</option>
              {(city.data?.districts.features ?? []).map((f) => (
                <option key={f.properties.id} value={f.properties.id}>
                  {lang === 'en' ? f.properties.nameEn : f.properties.name}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox filter-check">
            <input type="checkbox" data-testid="queue-filter-overdue" checked={overdue} onChange={(e) => filter(setOverdue)(e.target.checked)} />
            <span>{t('requests.queue.overdueOnly')}</span>
          </label>
        </div>

        {selected.size > 0 ? (
          <BulkBar
            ids={[...selected]}
            onDone={(done) => {
              setResults(done);
              queue.reload();
            }}
          />
        ) : null}
        {results ? (
          <Notice tone={failed.length > 0 ? 'warning' : 'success'} testId="bulk-result">
            {t('requests.queue.bulkResult', { ok: formatNumber(results.length - failed.length, lang), failed: formatNumber(failed.length, lang) })}
            {failed.length > 0 ? (
              <ul className="bulk-failures">
                {failed.map((f) => (
                  <li key={f.id}>
                    <span className="mono">{f.id}</span>: {f.error}
                  </li>
                ))}
              </ul>
            ) : null}
          </Notice>
        ) : null}

        <ErrorNotice error={queue.error} testId="queue-error" />
        {queue.loading && !queue.data ? <Loading /> : null}
        {queue.data && rows.length === 0 ? (
          <p className="empty" data-testid="queue-empty">
            {t('requests.queue.empty')}
          </p>
        ) : null}
        {rows.length > 0 ? (
          <div className="table-wrap">
            <table className="table queue-table" data-testid="queue-table">
              <thead>
                <tr>
                  <th scope="col" className="check-cell">
                    <input
                      type="checkbox"
                      aria-label={t('requests.queue.selectAll')}
                      data-testid="queue-select-all"
                      checked={allTicked}
                      onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                    />
                  </th>
                  <th scope="col">{t('requests.queue.col.due')}</th>
                  <th scope="col">{t('requests.queue.col.request')}</th>
                  <th scope="col">{t('requests.queue.col.status')}</th>
                  <th scope="col">{t('requests.queue.col.district')}</th>
                  <th scope="col">{t('requests.queue.col.assignee')}</th>
                  <th scope="col">{t('requests.queue.col.requested')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('requests.queue.col.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const open = expanded === row.id;
                  const classes = [row.overdue ? 'is-overdue' : '', row.escalatedAt ? 'is-escalated' : '', row.paused ? 'is-paused' : ''].filter(Boolean).join(' ');
                  return (
                    <Fragment key={row.id}>
                      <tr className={classes || undefined} data-testid={`queue-row-${row.id}`} data-status={row.status}>
                        <td className="check-cell">
                          <input
                            type="checkbox"
                            aria-label={t('requests.queue.select', { id: row.id })}
                            data-testid={`queue-select-${row.id}`}
                            checked={selected.has(row.id)}
                            onChange={(e) => toggle(row.id, e.target.checked)}
                          />
                        </td>
                        <td className="nowrap due-cell">{formatMinute(row.dueAt)}</td>
                        <td>
                          <div className="queue-request">
                            <Link to={`/requests/${encodeURIComponent(row.id)}`} className="mono">
                              {row.id}
                            </Link>
                            <span className="queue-service">{localized(row.serviceName, lang)}</span>
                            <span className="queue-desc">{row.description}</span>
                          </div>
                        </td>
                        <td>
                          <StatusBadge request={row} testId={`queue-status-${row.id}`} />
                        </td>
                        <td className="nowrap">{districtName(row)}</td>
                        <td className="nowrap">{row.assignee ?? t('common.dash')}</td>
                        <td className="nowrap">{formatMinute(row.requestedAt)}</td>
                        <td>
                          <button
                            type="button"
                            className="button button-secondary button-small"
                            aria-expanded={open}
                            data-testid={`queue-open-${row.id}`}
                            onClick={() => setExpanded(open ? null : row.id)}
                          >
                            {open ? t('requests.queue.hide') : t('requests.queue.handle')}
                          </button>
                        </td>
                      </tr>
                      {open ? (
                        <tr className="queue-detail">
                          <td colSpan={8}>
                            <OfficerPanel request={row} onChanged={(view) => setEdits((e) => ({ ...e, [view.id]: view }))} />
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
        {total > PAGE_SIZE ? (
          <div className="list-footer">
            <span>
              {t('requests.queue.page', {
                from: formatNumber(offset + 1, lang),
                to: formatNumber(Math.min(offset + PAGE_SIZE, total), lang),
                total: formatNumber(total, lang),
              })}
            </span>
            <span className="button-row">
              <button type="button" className="button button-secondary button-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                {t('requests.queue.prev')}
              </button>
              <button type="button" className="button button-secondary button-small" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
                {t('requests.queue.next')}
              </button>
            </span>
          </div>
        ) : null}
      </section>
    </div>
  );
}
