/** What an officer does to one request: move its status (with a note, or a reason to close), assign it, pause the clock while waiting on the citizen, and review its photos. */
import { type FormEvent, useState } from 'react';
import { ErrorNotice, Notice } from '../../components/Notice.tsx';
import { useI18n } from '../../i18n/index.ts';
import {
  assignRequest,
  CLOSE_REASONS,
  type CloseReason,
  changeStatus,
  type RequestStatus,
  type RequestView,
  reviewMedia,
  setWaiting,
} from './api.ts';
import { isDone, statusKey, WORK_STATUSES, closeReasonKey } from './model.ts';
import { AuthImage } from './photos.tsx';

type Target = RequestStatus;

export function OfficerPanel({ request, onChanged }: { request: RequestView; onChanged: (view: RequestView) => void }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<Target | ''>('');
  const [reason, setReason] = useState<CloseReason>('no_further_action');
  const [note, setNote] = useState('');
  const [officer, setOfficer] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState('');

  async function run(action: () => Promise<RequestView>, message: string) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      const view = await action();
      onChanged(view);
      setDone(message);
      setNote('');
      setStatus('');
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  }

  function applyStatus(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!status) return;
    const target = status;
    void run(
      () => changeStatus(request.id, { status: target, ...(target === 'closed' ? { closeReason: reason } : {}), ...(note.trim() ? { note: note.trim() } : {}) }),
      t('requests.officer.statusDone', { status: t(statusKey(target)) }),
    );
  }

  function assign(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!officer.trim()) return;
    void run(() => assignRequest(request.id, officer.trim()), t('requests.officer.assignDone', { officer: officer.trim() }));
  }

  const finished = isDone(request.status);
  const needsNote = status === 'fixed';
  return (
    <section className="panel officer-panel" aria-labelledby={`officer-${request.id}`} data-testid="officer-panel">
      <div className="panel-header">
        <h2 id={`officer-${request.id}`}>{t('requests.officer.title')}</h2>
      </div>
      {done ? (
        <Notice tone="success" testId="officer-done">
          {done}
        </Notice>
      ) : null}
      <ErrorNotice error={error} testId="officer-error" />

      <form className="form officer-form" onSubmit={applyStatus}>
        <div className="field">
          <label htmlFor={`officer-status-${request.id}`}>{t('requests.officer.status')}</label>
          <select id={`officer-status-${request.id}`} data-testid="officer-status" value={status} onChange={(e) => setStatus(e.target.value as Target | '')}>
            <option value="">{t('requests.officer.pickStatus')}</option>
            {[...WORK_STATUSES, 'closed' as const]
              .filter((s) => s !== request.status)
              .map((s) => (
                <option key={s} value={s}>
                  {t(statusKey(s))}
                </option>
              ))}
          </select>
        </div>
        {status === 'closed' ? (
          <div className="field">
            <label htmlFor={`officer-reason-${request.id}`}>{t('requests.officer.closeReason')}</label>
            <select id={`officer-reason-${request.id}`} data-testid="officer-close-reason" value={reason} onChange={(e) => setReason(e.target.value as CloseReason)}>
              {CLOSE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(closeReasonKey(r))}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`officer-note-${request.id}`}>
            {t('requests.officer.note')}
            {needsNote ? <span className="required-mark">{t('requests.attr.requiredMark')}</span> : <span className="optional">{t('common.optional')}</span>}
          </label>
          <textarea
            id={`officer-note-${request.id}`}
            data-testid="officer-note"
            rows={2}
            value={note}
            placeholder={needsNote ? t('requests.officer.fixedNoteHint') : t('requests.officer.noteHint')}
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
        <div className="button-row">
          <button type="submit" className="button button-primary" data-testid="officer-apply" disabled={busy || !status || (needsNote && !note.trim())}>
            {t('requests.officer.apply')}
          </button>
          {!finished ? (
            <button
              type="button"
              className="button button-secondary"
              data-testid="officer-wait"
              disabled={busy}
              onClick={() =>
                run(
                  () => setWaiting(request.id, !request.paused, note.trim() || undefined),
                  request.paused ? t('requests.officer.resumed') : t('requests.officer.paused'),
                )
              }
            >
              {request.paused ? t('requests.officer.resume') : t('requests.officer.pause')}
            </button>
          ) : null}
        </div>
      </form>

      <form className="officer-assign" onSubmit={assign}>
        <label htmlFor={`officer-assignee-${request.id}`}>{t('requests.officer.assign')}</label>
        <div className="inline-field">
          <input
            id={`officer-assignee-${request.id}`}
            data-testid="officer-assignee"
            value={officer}
            placeholder={request.assignee ?? t('requests.officer.assignHint')}
            autoComplete="off"
            onChange={(e) => setOfficer(e.target.value)}
          />
          <button type="submit" className="button button-secondary" data-testid="officer-assign" disabled={busy || !officer.trim()}>
            {t('requests.officer.assignButton')}
          </button>
        </div>
      </form>

      {request.media.length > 0 ? (
        <div className="media-review">
          <h3>{t('requests.officer.photos')}</h3>
          <ul className="media-review-list">
            {request.media.map((item, index) => (
              <li key={item.id} className="media-review-item" data-testid={`media-${item.id}`} data-review={item.review}>
                <AuthImage url={item.url} alt={t('requests.photo.alt', { n: index + 1 })} className="photo-thumb" />
                <div className="media-review-actions">
                  <span className={`badge badge-${item.review === 'approved' ? 'success' : item.review === 'rejected' ? 'danger' : 'neutral'}`}>
                    {t(`requests.photo.${item.review}`)}
                  </span>
                  <div className="button-row">
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid={`media-approve-${item.id}`}
                      disabled={busy || item.review === 'approved'}
                      onClick={() => run(() => reviewMedia(request.id, item.id, true), t('requests.officer.photoApproved'))}
                    >
                      {t('requests.officer.approve')}
                    </button>
                    <button
                      type="button"
                      className="button button-danger-ghost button-small"
                      data-testid={`media-reject-${item.id}`}
                      disabled={busy || item.review === 'rejected'}
                      onClick={() => run(() => reviewMedia(request.id, item.id, false), t('requests.officer.photoRejected'))}
                    >
                      {t('requests.officer.reject')}
                    </button>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
