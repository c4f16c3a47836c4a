/** Photos of a request: taking and uploading them on the report form, and showing them (with the Bearer token) afterwards. */
import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import { isApiError } from '../../api/client.ts';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Notice } from '../../components/Notice.tsx';
import { useI18n } from '../../i18n/index.ts';
import { ExtraIcon } from './icons.tsx';
import { fetchMediaObjectUrl, MAX_PHOTO_BYTES, PHOTO_TYPES, type RequestMedia, type UploadedMedia, uploadMedia } from './api.ts';

/** At most this many photos on one report: enough to show the problem and where it is. */
export const MAX_PHOTOS = 3;

export interface PhotoDraft {
  key: number;
  name: string;
  previewUrl: string;
  state: 'uploading' | 'done' | 'failed';
  media?: UploadedMedia;
  /** Why the upload was refused: 413 (too large), 415 (not an image of its type), or any other failure. */
  problem?: 'tooLarge' | 'notImage' | 'other';
  error?: unknown;
  /** The browser could not draw it either (not an image at all). */
  previewBroken?: boolean;
}

let nextKey = 1;

/** A photo's picture: fetched with the session's token (an `<img src>` cannot send one), shown once loaded. */
export function AuthImage({ url, alt, className }: { url: string; alt: string; className?: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const { t } = useI18n();
  useEffect(() => {
    const controller = new AbortController();
    let objectUrl: string | null = null;
    setFailed(false);
    fetchMediaObjectUrl(url, controller.signal).then(
      (value) => {
        objectUrl = value;
        if (controller.signal.aborted) URL.revokeObjectURL(value);
        else setSrc(value);
      },
      () => {
        if (!controller.signal.aborted) setFailed(true);
      },
    );
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  if (failed) {
    return (
      <span className={`photo-missing ${className ?? ''}`}>
        <Icon name="alert" size={18} />
        {t('requests.photo.unavailable')}
      </span>
    );
  }
  return src ? <img src={src} alt={alt} className={className} /> : <span className={`photo-loading ${className ?? ''}`} />;
}

/**
 * The photo step: a camera-first file input (`capture="environment"` opens the back camera on phones),
 * a preview of each photo, and its upload started at once so the report can be sent without waiting.
 */
export function PhotoPicker({ photos, onChange }: { photos: PhotoDraft[]; onChange: (update: (photos: PhotoDraft[]) => PhotoDraft[]) => void }) {
  const { t } = useI18n();
  const inputRef = useRef<HTMLInputElement>(null);
  const urls = useRef(new Set<string>());

  useEffect(() => {
    const created = urls.current;
    return () => {
      for (const url of created) URL.revokeObjectURL(url);
    };
  }, []);

  function update(key: number, patch: Partial<PhotoDraft>) {
    onChange((list) => list.map((photo) => (photo.key === key ? { ...photo, ...patch } : photo)));
  }

  async function add(file: File) {
    const key = nextKey++;
    const previewUrl = URL.createObjectURL(file);
    urls.current.add(previewUrl);
    const draft: PhotoDraft = { key, name: file.name, previewUrl, state: 'uploading' };
    // Refuse at once what the server would refuse after a long upload on a phone connection.
    if (file.size > MAX_PHOTO_BYTES) draft.problem = 'tooLarge';
    else if (!PHOTO_TYPES.includes(file.type)) draft.problem = 'notImage';
    if (draft.problem) draft.state = 'failed';
    onChange((list) => [...list, draft]);
    if (draft.problem) return;
    try {
      const media = await uploadMedia(file);
      update(key, { state: 'done', media });
    } catch (error) {
      const status = isApiError(error) ? error.status : 0;
      update(key, {
        state: 'failed',
        problem: status === 413 ? 'tooLarge' : status === 415 ? 'notImage' : 'other',
        error,
      });
    }
  }

  function onFiles(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    const room = MAX_PHOTOS - photos.length;
    for (const file of files.slice(0, Math.max(0, room))) void add(file);
  }

  function remove(key: number) {
    onChange((list) => list.filter((photo) => photo.key !== key));
  }

  const full = photos.length >= MAX_PHOTOS;
  return (
    <div className="photo-picker">
      {photos.length > 0 ? (
        <ul className="photo-list" data-testid="request-photos">
          {photos.map((photo) => (
            <li key={photo.key} className={`photo-item is-${photo.state}`} data-testid="request-photo-item" data-state={photo.state}>
              {photo.previewBroken || photo.problem === 'notImage' ? (
                <span className="photo-thumb photo-thumb-broken" title={photo.name}>
                  <Icon name="alert" size={28} />
                </span>
              ) : (
                <img
                  src={photo.previewUrl}
                  alt={t('requests.photo.previewAlt', { name: photo.name })}
                  className="photo-thumb"
                  onError={() => update(photo.key, { previewBroken: true })}
                />
              )}
              <div className="photo-info">
                <span className="photo-state">
                  {photo.state === 'uploading' ? (
                    <>
                      <span className="spinner" aria-hidden="true" />
                      {t('requests.photo.uploading')}
                    </>
                  ) : photo.state === 'done' ? (
                    <>
                      <Icon name="check" size={16} />
                      {t('requests.photo.uploaded')}
                    </>
                  ) : null}
                </span>
                {photo.problem === 'tooLarge' ? (
                  <Notice tone="error" testId="request-photo-error">
                    {t('requests.photo.tooLarge')}
                  </Notice>
                ) : photo.problem === 'notImage' ? (
                  <Notice tone="error" testId="request-photo-error">
                    {t('requests.photo.notImage')}
                  </Notice>
                ) : photo.problem === 'other' ? (
                  <ErrorNotice error={photo.error} testId="request-photo-error" />
                ) : null}
                <button type="button" className="button button-ghost button-small" onClick={() => remove(photo.key)}>
                  {t('requests.photo.remove')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <label className={full ? 'photo-add is-disabled' : 'photo-add'}>
        <ExtraIcon name="camera" size={22} />
        <span>{photos.length === 0 ? t('requests.photo.take') : t('requests.photo.another')}</span>
        <input
          ref={inputRef}
          type="file"
          accept="image/*"
          capture="environment"
          className="visually-hidden"
          data-testid="request-photo"
          disabled={full}
          onChange={onFiles}
        />
      </label>
      <p className="hint">{t('requests.photo.hint', { max: MAX_PHOTOS })}</p>
    </div>
  );
}

/** The photos of a request, each with its review state for those who may see pending ones. */
export function RequestPhotos({ media, showReview }: { media: RequestMedia[]; showReview: boolean }) {
  const { t } = useI18n();
  if (media.length === 0) return null;
  return (
    <ul className="photo-gallery" data-testid="request-photos-view">
      {media.map((item, index) => (
        <li key={item.id} className="photo-gallery-item">
          <AuthImage url={item.url} alt={t('requests.photo.alt', { n: index + 1 })} className="photo-full" />
          {showReview && item.review !== 'approved' ? (
            <span className={`badge ${item.review === 'rejected' ? 'badge-danger' : 'badge-neutral'}`}>
              {t(item.review === 'rejected' ? 'requests.photo.rejected' : 'requests.photo.pending')}
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
