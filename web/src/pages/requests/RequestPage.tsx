/**
 * One request: where it stands (with "fixed" and the officer's note made plain), its timeline in
 * Beijing time, photos and answers; the reporter rates it or reopens it once it is done; officers act on it.
 */
import { type FormEvent, Suspense, useEffect, useState } from 'react';
import { isApiError } from '../../api/client.ts';
import { useApi } from '../../api/useApi.ts';
import { useAuth } from '../../auth/index.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { Badge } from '../../components/Badge.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, localized, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { NotFoundPage } from '../StatusPages.tsx';
import { sortedAttributes } from './AttributeFields.tsx';
import { type AttributeValue, fetchRequest, fetchServices, type RequestView, rateRequest, reopenRequest, type ServiceView } from './api.ts';
import { CategoryIcon, ExtraIcon } from './icons.tsx';
import { closeReasonKey, formatCoords, formatMinute, isDone, isStaff, STATUS_TONE, statusKey, timelineKey } from './model.ts';
import { LazyPinMap } from './lazy.ts';
import { OfficerPanel } from './OfficerPanel.tsx';
import { RequestPhotos } from './photos.tsx';

export function StatusBadge({ request, testId }: { request: Pick<RequestView, 'status' | 'overdue' | 'paused' | 'escalatedAt'>; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className="badge-list">
      <Badge tone={STATUS_TONE[request.status] ?? 'neutral'} testId={testId}>
        {t(statusKey(request.status))}
      </Badge>
      {request.paused ? <Badge tone="neutral">{t('requests.badge.paused')}</Badge> : null}
      {request.overdue ? <Badge tone="danger">{t('requests.badge.overdue')}</Badge> : null}
      {request.escalatedAt && !isDone(request.status) ? <Badge tone="warning">{t('requests.badge.escalated')}</Badge> : null}
    </span>
  );
}

function attributeText(value: AttributeValue, service: ServiceView | undefined, code: string, lang: 'zh' | 'en'): string {
  const attribute = service?.attributes.find((a) => a.code === code);
  const name = (key: string) => {
    const entry = attribute?.values?.find((v) => v.key === key);
    return entry ? localized(entry.name, lang) : key;
  };
  if (Array.isArray(value)) return value.map(name).join(lang === 'zh' ? '、' : ', ');
  if (attribute?.datatype === 'datetime' && typeof value === 'string') return formatMinute(value) || value;
  if (typeof value === 'string' && attribute?.values) return name(value);
  return String(value);
}

function Outcome({ request }: { request: RequestView }) {
  const { t } = useI18n();
  if (request.status === 'fixed' || request.status === 'closed') {
    const fixed = request.status === 'fixed';
    return (
      <section className={fixed ? 'outcome outcome-fixed' : 'outcome outcome-closed'} data-testid="request-outcome" data-status={request.status}>
        <span className="outcome-icon">
          <Icon name={fixed ? 'check' : 'alert'} size={28} />
        </span>
        <div className="outcome-body">
          <h2 data-testid={fixed ? 'request-fixed' : 'request-closed'}>
            {fixed ? t('requests.outcome.fixed') : t('requests.outcome.closed', { reason: t(closeReasonKey(request.closeReason ?? '')) })}
          </h2>
          {request.statusNotes ? (
            <blockquote className="officer-note" data-testid="request-officer-note">
              <span className="officer-note-label">{t('requests.outcome.note')}</span>
              {request.statusNotes}
            </blockquote>
          ) : null}
        </div>
      </section>
    );
  }
  if (request.paused) {
    return (
      <Notice tone="warning" testId="request-paused">
        {t('requests.outcome.paused')}
        {request.statusNotes ? ` ${request.statusNotes}` : ''}
      </Notice>
    );
  }
  return request.statusNotes ? (
    <Notice tone="info" testId="request-status-note">
      {request.statusNotes}
    </Notice>
  ) : null;
}

function Timeline({ request }: { request: RequestView }) {
  const { t } = useI18n();
  const entries = [...request.timeline].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return (
    <ol className="timeline" data-testid="request-timeline">
      {entries.map((entry) => (
        <li key={`${entry.at}|${entry.kind}|${entry.status ?? ''}|${entry.text}`} className={`timeline-entry timeline-${entry.kind}${entry.status ? ` timeline-status-${entry.status}` : ''}`} data-testid="timeline-entry">
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-body">
            <p className="timeline-title">
              {entry.kind === 'status' && entry.status
                ? t('requests.timeline.statusTo', { status: t(statusKey(entry.status)) })
                : t(timelineKey(entry.kind))}
            </p>
            <p className="timeline-time">
              <time dateTime={entry.at}>{t('requests.time.beijing', { time: formatMinute(entry.at) })}</time>
              {entry.by ? <span className="timeline-by"> · {entry.by}</span> : null}
            </p>
            {entry.text ? <p className="timeline-text">{entry.text}</p> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Stars({ score }: { score: number }) {
  const { t } = useI18n();
  return (
    <span className="stars" role="img" aria-label={t('requests.rate.stars', { n: score })}>
      {[1, 2, 3, 4, 5].map((n) => (
        <span key={n} className={n <= score ? 'star is-on' : 'star'}>
          <ExtraIcon name="star" size={20} filled={n <= score} />
        </span>
      ))}
    </span>
  );
}

function RatingForm({ request, onRated }: { request: RequestView; onRated: (view: RequestView) => void }) {
  const { t } = useI18n();
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!score || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      onRated(await rateRequest(request.id, score, comment.trim() || undefined));
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="panel rating-form" onSubmit={submit} data-testid="rating-form">
      <h2>{t('requests.rate.title')}</h2>
      <fieldset className="star-picker">
        <legend className="visually-hidden">{t('requests.rate.title')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className={n <= score ? 'star-option is-on' : 'star-option'} data-testid={`rating-star-${n}`} title={t(`requests.rate.label${n as 1 | 2 | 3 | 4 | 5}`)}>
            <input type="radio" name="rating" value={n} className="visually-hidden" checked={score === n} onChange={() => setScore(n)} />
            <ExtraIcon name="star" size={34} filled={n <= score} />
            <span className="visually-hidden">{t('requests.rate.stars', { n })}</span>
          </label>
        ))}
        <span className="star-caption" aria-live="polite">
          {score ? t(`requests.rate.label${score as 1 | 2 | 3 | 4 | 5}`) : t('requests.rate.pick')}
        </span>
      </fieldset>
      <div className="field">
        <label htmlFor="rating-comment">
          {t('requests.rate.comment')}
          <span className="optional">{t('common.optional')}</span>
        </label>
        <textarea id="rating-comment" data-testid="rating-comment" rows={2} maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />
      </div>
      <ErrorNotice error={error} testId="rating-error" />
      <button type="submit" className="button button-primary" data-testid="rating-submit" disabled={!score || busy}>
        {busy ? t('requests.rate.sending') : t('requests.rate.submit')}
      </button>
    </form>
  );
}

function ReopenForm({ request, onReopened }: { request: RequestView; onReopened: (view: RequestView) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!reason.trim() || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      onReopened(await reopenRequest(request.id, reason.trim()));
      setOpen(false);
      setReason('');
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }
  if (!open) {
    return (
      <div className="reopen">
        <span className="hint">{t('requests.reopen.question')}</span>
        <button type="button" className="button button-secondary" data-testid="reopen-open" onClick={() => setOpen(true)}>
          {t('requests.reopen.button')}
        </button>
      </div>
    );
  }
  return (
    <form className="panel reopen-form" onSubmit={submit} data-testid="reopen-form">
      <div className="field">
        <label htmlFor="reopen-reason">{t('requests.reopen.reason')}</label>
        <textarea id="reopen-reason" data-testid="reopen-reason" rows={3} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <ErrorNotice error={error} testId="reopen-error" />
      <div className="button-row">
        <button type="submit" className="button button-primary" data-testid="reopen-submit" disabled={!reason.trim() || busy}>
          {t('requests.reopen.submit')}
        </button>
        <button type="button" className="button button-ghost" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function RequestPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const city = useCity();
  const loaded = useApi((signal) => fetchRequest(id, signal), [id]);
  const services = useApi((signal) => fetchServices(signal), []);
  const [view, setView] = useState<RequestView | undefined>(undefined);
  useEffect(() => setView(loaded.data), [loaded.data]);

  if (isApiError(loaded.error) && loaded.error.status === 404) return <NotFoundPage />;
  const request = view;
  const staff = isStaff(user);
  const service = services.data?.find((s) => s.code === request?.serviceCode);
  const isReporter = !!request?.reporter && !staff;
  const backTo = staff ? '/requests/queue' : '/requests/mine';

  return (
    <div className="page request-page" data-testid="request-view">
      <Link to={backTo} className="back-link">
        <Icon name="arrowLeft" size={18} />
        {staff ? t('requests.tab.queue') : t('requests.tab.mine')}
      </Link>
      <ErrorNotice error={loaded.error} testId="request-error" />
      {!request && loaded.loading ? <Loading /> : null}
      {request ? (
        <>
          <PageHeader
            title={localized(request.serviceName, lang) || request.serviceCode}
            subtitle={
              <span className="request-subtitle">
                <span className="mono" data-testid="request-id">
                  {request.id}
                </span>
                <StatusBadge request={request} testId="request-status" />
              </span>
            }
          />
          <Outcome request={request} />
          {request.rating ? (
            <section className="panel rating-view" data-testid="request-rating">
              <h2>{t('requests.rate.yours')}</h2>
              <Stars score={request.rating.score} />
              {request.rating.comment ? <p className="rating-comment">{request.rating.comment}</p> : null}
            </section>
          ) : isReporter && isDone(request.status) ? (
            <RatingForm request={request} onRated={setView} />
          ) : null}
          {isReporter && isDone(request.status) ? <ReopenForm request={request} onReopened={setView} /> : null}

          <div className="request-columns">
            <div className="request-main">
              <section className="panel" aria-labelledby="request-details-title">
                <h2 id="request-details-title" className="panel-title">
                  <CategoryIcon code={request.serviceCode} group={service?.group} size={22} />
                  {t('requests.detail.title')}
                </h2>
                <p className="request-description" data-testid="request-description-view">
                  {request.description}
                </p>
                <dl className="facts">
                  <div>
                    <dt>{t('requests.detail.department')}</dt>
                    <dd data-testid="request-department">{localized(request.departmentName, lang) || request.department}</dd>
                  </div>
                  <div>
                    <dt>{t('requests.detail.district')}</dt>
                    <dd>{request.districtName ? localized(request.districtName, lang) : t('common.dash')}</dd>
                  </div>
                  <div>
                    <dt>{t('requests.detail.requested')}</dt>
                    <dd>{t('requests.time.beijing', { time: formatMinute(request.requestedAt) })}</dd>
                  </div>
                  <div>
                    <dt>{t('requests.detail.due')}</dt>
                    <dd data-testid="request-due">{t('requests.time.beijing', { time: formatMinute(request.dueAt) })}</dd>
                  </div>
                  {request.assignee ? (
                    <div>
                      <dt>{t('requests.detail.assignee')}</dt>
                      <dd>{request.assignee}</dd>
                    </div>
                  ) : null}
                  <div>
                    <dt>{t('requests.detail.followers')}</dt>
                    <dd data-testid="request-followers">{formatNumber(request.followers, lang)}</dd>
                  </div>
                  {request.reopenCount > 0 ? (
                    <div>
                      <dt>{t('requests.detail.reopened')}</dt>
                      <dd>{formatNumber(request.reopenCount, lang)}</dd>
                    </div>
                  ) : null}
                  {request.addressString ? (
                    <div>
                      <dt>{t('requests.detail.address')}</dt>
                      <dd>{request.addressString}</dd>
                    </div>
                  ) : null}
                  {Object.entries(request.attributes).length > 0
                    ? sortedAttributes(service?.attributes ?? [])
                        .filter((a) => request.attributes[a.code] !== undefined)
                        .map((attribute) => (
                          <div key={attribute.code}>
                            <dt>{localized(attribute.description, lang)}</dt>
                            <dd>{attributeText(request.attributes[attribute.code] as AttributeValue, service, attribute.code, lang)}</dd>
                          </div>
                        ))
                    : null}
                </dl>
                <RequestPhotos media={request.media} showReview={!!request.reporter} />
              </section>
              {staff ? <OfficerPanel request={request} onChanged={setView} /> : null}
            </div>
            <div className="request-side">
              <section className="panel" aria-labelledby="request-timeline-title">
                <h2 id="request-timeline-title" className="panel-title">
                  <Icon name="clock" size={20} />
                  {t('requests.detail.timeline')}
                </h2>
                <Timeline request={request} />
              </section>
              {request.lat !== null && request.long !== null && city.data ? (
                <section className="panel" aria-labelledby="request-map-title">
                  <h2 id="request-map-title" className="panel-title">
                    <Icon name="pin" size={20} />
                    {t('requests.detail.location')}
                  </h2>
                  <div className="city-map request-mini-map">
                    <Suspense fallback={<Loading />}>
                      <LazyPinMap
                        districts={city.data.districts}
                        pin={{ lat: request.lat, long: request.long }}
                        focusKey={1}
                        focusZoom={3}
                        label={t('requests.detail.location')}
                      />
                    </Suspense>
                  </div>
                  <p className="hint mono">{formatCoords(request.lat, request.long)}</p>
                </section>
              ) : null}
            </div>
          </div>
        </>
      ) : null}
    </div>
  );
}
