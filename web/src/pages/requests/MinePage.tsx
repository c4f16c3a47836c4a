/** "My reports": what the citizen filed or follows, with where each stands, and the portal inbox of updates about them. */
import { useState } from 'react';
import type { ApiState } from '../../api/useApi.ts';
import { useApi } from '../../api/useApi.ts';
import { Badge } from '../../components/Badge.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, localized, useI18n } from '../../i18n/index.ts';
import { Link, navigate } from '../../router/index.ts';
import { fetchMine, type InboxNotification, markNotificationsRead } from './api.ts';
import { CategoryIcon, ExtraIcon } from './icons.tsx';
import { formatMinute } from './model.ts';
import { StatusBadge } from './RequestPage.tsx';

/** Notifications shown before "show all": the inbox should not push the reports off a phone screen. */
const INBOX_PREVIEW = 4;

function Inbox({ inbox }: { inbox: ApiState<InboxNotification[]> }) {
  const { t, lang } = useI18n();
  const [all, setAll] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const items = inbox.data ?? [];
  const unread = items.filter((n) => !n.read);
  const shown = all ? items : items.slice(0, INBOX_PREVIEW);

  async function markRead(ids: string[]) {
    if (ids.length === 0) return;
    setError(undefined);
    try {
      await markNotificationsRead(ids);
      inbox.reload();
    } catch (cause) {
      setError(cause);
    }
  }

  return (
    <section className={unread.length > 0 ? 'panel inbox has-unread' : 'panel inbox'} aria-labelledby="inbox-title" data-testid="requests-inbox">
      <div className="panel-header">
        <h2 id="inbox-title" className="panel-title">
          <ExtraIcon name="bell" size={20} />
          {t('requests.inbox.title')}
          {unread.length > 0 ? (
            <span className="count-pill" data-testid="inbox-unread" data-count={unread.length}>
              {t('requests.inbox.unread', { count: formatNumber(unread.length, lang) })}
            </span>
          ) : null}
        </h2>
        {unread.length > 0 ? (
          <button type="button" className="button button-ghost button-small" data-testid="inbox-read-all" onClick={() => markRead(unread.map((n) => n.id))}>
            {t('requests.inbox.readAll')}
          </button>
        ) : null}
      </div>
      <ErrorNotice error={inbox.error ?? error} testId="inbox-error" />
      {inbox.loading && !inbox.data ? <Loading /> : null}
      {inbox.data && items.length === 0 ? <p className="empty">{t('requests.inbox.empty')}</p> : null}
      {shown.length > 0 ? (
        <ul className="inbox-list">
          {shown.map((item) => (
            <li key={item.id} className={item.read ? 'inbox-item' : 'inbox-item is-unread'} data-testid="inbox-item" data-read={item.read}>
              <a
                href={`/requests/${encodeURIComponent(item.requestId)}`}
                className="inbox-link"
                onClick={(event) => {
                  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                  event.preventDefault();
                  if (!item.read) void markRead([item.id]);
                  navigate(`/requests/${encodeURIComponent(item.requestId)}`);
                }}
              >
                {!item.read ? (
                  <>
                    <span className="unread-dot" aria-hidden="true" />
                    <span className="visually-hidden">{t('requests.inbox.new')}</span>
                  </>
                ) : null}
                <span className="inbox-text">{item.text}</span>
                <span className="inbox-meta">
                  <span className="mono">{item.requestId}</span> · {formatMinute(item.at)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {items.length > INBOX_PREVIEW ? (
        <button type="button" className="button button-ghost button-small" onClick={() => setAll((v) => !v)}>
          {all ? t('requests.inbox.less') : t('requests.inbox.all', { count: formatNumber(items.length, lang) })}
        </button>
      ) : null}
    </section>
  );
}

export function MinePage({ inbox }: { inbox: ApiState<InboxNotification[]> }) {
  const { t, lang } = useI18n();
  const mine = useApi((signal) => fetchMine(signal), []);
  const requests = mine.data ?? [];
  return (
    <div className="page mine-page">
      <PageHeader
        title={t('requests.mine.title')}
        subtitle={t('requests.mine.subtitle')}
        actions={
          <Link to="/requests/new" className="button button-primary" data-testid="mine-new">
            <Icon name="requests" size={18} />
            {t('requests.tab.new')}
          </Link>
        }
      />
      <div className="mine-columns">
        <Inbox inbox={inbox} />
        <section className="panel mine-list-panel" aria-labelledby="mine-list-title">
          <div className="panel-header">
            <h2 id="mine-list-title">{t('requests.mine.listTitle')}</h2>
            <button type="button" className="button button-ghost" onClick={mine.reload} disabled={mine.loading}>
              {t('common.refresh')}
            </button>
          </div>
          <ErrorNotice error={mine.error} testId="mine-error" />
          {mine.loading && !mine.data ? <Loading /> : null}
          {mine.data && requests.length === 0 ? (
            <div className="empty mine-empty" data-testid="mine-empty">
              <p>{t('requests.mine.empty')}</p>
              <Link to="/requests/new" className="button button-secondary">
                {t('requests.tab.new')}
              </Link>
            </div>
          ) : null}
          {requests.length > 0 ? (
            <ul className="mine-list" data-testid="mine-list">
              {requests.map((request) => (
                <li key={request.id}>
                  <Link to={`/requests/${encodeURIComponent(request.id)}`} className="mine-item" data-testid={`mine-item-${request.id}`}>
                    <span className="category-icon-box">
                      <CategoryIcon code={request.serviceCode} size={24} />
                    </span>
                    <span className="mine-body">
                      <span className="mine-head">
                        <span className="mine-name">{localized(request.serviceName, lang)}</span>
                        <StatusBadge request={request} testId={`mine-status-${request.id}`} />
                        {request.reporter ? null : <Badge tone="info">{t('requests.mine.following')}</Badge>}
                      </span>
                      <span className="mine-desc">{request.description}</span>
                      <span className="mine-meta">
                        <span className="mono">{request.id}</span>
                        {' · '}
                        {localized(request.departmentName, lang)}
                        {' · '}
                        {formatMinute(request.requestedAt)}
                      </span>
                    </span>
                    <Icon name="arrowRight" size={18} className="mine-arrow" />
                  </Link>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
    </div>
  );
}
