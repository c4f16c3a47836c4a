import { type FormEvent, useEffect, useRef, useState } from 'react';
import { fetchAudit } from '../../api/endpoints.ts';
import type { AuditEntry, AuditOutcome } from '../../api/types.ts';
import { Badge, type BadgeTone } from '../../components/Badge.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { formatDateTime, hasMessage, type Translate, useI18n } from '../../i18n/index.ts';

const PAGE_SIZE = 50;

/** Actions the server is known to record; the filter accepts any other action name too. */
const KNOWN_ACTIONS = [
  'auth.login',
  'user.register',
  'user.create',
  'user.list',
  'user.resetPassword',
  'apiKey.create',
  'apiKey.revoke',
  'audit.read',
] as const;

const OUTCOME_TONE: Record<AuditOutcome, BadgeTone> = { success: 'success', denied: 'warning', failure: 'danger' };

function actionLabel(action: string, t: Translate): string | null {
  const key = `action.${action}`;
  return hasMessage(key) ? t(key) : null;
}

function actorKind(entry: AuditEntry, t: Translate): string {
  const key = `audit.actor.${entry.actor.type}`;
  return hasMessage(key) ? t(key) : String(entry.actor.type);
}

function outcomeText(outcome: string, t: Translate): string {
  const key = `audit.outcome.${outcome}`;
  return hasMessage(key) ? t(key) : outcome;
}

function ActionCell({ action }: { action: string }) {
  const { t } = useI18n();
  const label = actionLabel(action, t);
  return (
    <span className="action-cell">
      {label ? <span>{label}</span> : null}
      <code className="mono small">{action}</code>
    </span>
  );
}

export function AuditTab() {
  const { t } = useI18n();
  const [filterInput, setFilterInput] = useState('');
  const [action, setAction] = useState('');
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const moreController = useRef<AbortController | null>(null);

  // First page, again whenever the filter changes or "refresh" is pressed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the refresh trigger.
  useEffect(() => {
    const controller = new AbortController();
    moreController.current?.abort();
    setLoading(true);
    setLoadingMore(false);
    setError(undefined);
    fetchAudit({ limit: PAGE_SIZE, ...(action ? { action } : {}) }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setEntries(page.entries);
        setNext(page.next);
        setLoading(false);
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return;
        setEntries([]);
        setNext(null);
        setError(cause);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [action, generation]);

  async function loadMore() {
    if (!next || loadingMore) return;
    const controller = new AbortController();
    moreController.current = controller;
    setLoadingMore(true);
    setError(undefined);
    try {
      const page = await fetchAudit({ limit: PAGE_SIZE, before: next, ...(action ? { action } : {}) }, controller.signal);
      if (controller.signal.aborted) return;
      setEntries((current) => {
        const seen = new Set(current.map((entry) => entry.id));
        return [...current, ...page.entries.filter((entry) => !seen.has(entry.id))];
      });
      setNext(page.next);
    } catch (cause) {
      if (!controller.signal.aborted) setError(cause);
    } finally {
      if (!controller.signal.aborted) setLoadingMore(false);
    }
  }

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = filterInput.trim();
    if (value === action) setGeneration((n) => n + 1);
    else setAction(value);
  }

  function clearFilter() {
    setFilterInput('');
    setAction('');
  }

  return (
    <section className="panel" aria-labelledby="audit-title">
      <div className="panel-header">
        <h2 id="audit-title">{t('audit.listTitle')}</h2>
        <button
          type="button"
          className="button button-ghost"
          onClick={() => setGeneration((n) => n + 1)}
          disabled={loading}
        >
          {t('common.refresh')}
        </button>
      </div>

      <form className="filter-bar" onSubmit={applyFilter} data-testid="audit-filter">
        <label htmlFor="audit-action">{t('audit.filter.label')}</label>
        <input
          id="audit-action"
          data-testid="audit-action"
          list="audit-actions"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          placeholder={t('audit.filter.placeholder')}
          value={filterInput}
          onChange={(e) => setFilterInput(e.target.value)}
        />
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((known) => (
            <option key={known} value={known}>
              {actionLabel(known, t) ?? known}
            </option>
          ))}
        </datalist>
        <button type="submit" className="button button-secondary" data-testid="audit-apply">
          {t('audit.filter.apply')}
        </button>
        {action ? (
          <button type="button" className="button button-ghost" onClick={clearFilter} data-testid="audit-clear">
            {t('audit.filter.clear')}
          </button>
        ) : null}
      </form>
      {action ? (
        <p className="filter-status">
          {t('audit.filter.active', { action })}
        </p>
      ) : null}

      <ErrorNotice error={error} testId="audit-error" />
      {loading ? <Loading /> : null}
      {!loading && entries.length === 0 && !error ? <p className="empty">{t('audit.empty')}</p> : null}
      {!loading && entries.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.col.time')}</th>
                <th scope="col">{t('audit.col.actor')}</th>
                <th scope="col">{t('audit.col.action')}</th>
                <th scope="col">{t('audit.col.target')}</th>
                <th scope="col">{t('audit.col.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-testid="audit-row">
                  <td className="nowrap mono">
                    <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                  </td>
                  <td>
                    <span className="actor-cell">
                      <span>{entry.actor.name ?? entry.actor.id ?? actorKind(entry, t)}</span>
                      {entry.actor.name ?? entry.actor.id ? (
                        <span className="muted small">{actorKind(entry, t)}</span>
                      ) : null}
                    </span>
                  </td>
                  <td>
                    <ActionCell action={entry.action} />
                  </td>
                  <td className="mono small">
                    {entry.target.type || entry.target.id
                      ? [entry.target.type, entry.target.id].filter(Boolean).join(' : ')
                      : t('common.dash')}
                  </td>
                  <td>
                    <Badge tone={OUTCOME_TONE[entry.outcome] ?? 'neutral'}>
                      {outcomeText(entry.outcome, t)}
                    </Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {!loading && entries.length > 0 ? (
        <div className="list-footer">
          <span className="muted">{t('audit.shown', { count: entries.length })}</span>
          {next ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={loadMore}
              disabled={loadingMore}
              data-testid="audit-load-more"
            >
              {loadingMore ? t('audit.loadingMore') : t('audit.loadMore')}
            </button>
          ) : (
            <span className="muted" data-testid="audit-end">
              {t('audit.end')}
            </span>
          )}
        </div>
      ) : null}
    </section>
  );
}
