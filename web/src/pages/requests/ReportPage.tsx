/**
 * "Report a problem", phone first: the category and its questions, photos, a pin (tap the map or use
 * my location) and a description; reports nearby that look the same are offered to follow instead;
 * after sending, the request id, the department it went to and when it is due.
 */
import { type FormEvent, type ReactNode, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/useApi.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, localized, useI18n } from '../../i18n/index.ts';
import { Link } from '../../router/index.ts';
import { type AttributeDrafts, AttributeFields, readAttributes } from './AttributeFields.tsx';
import { type Candidate, fetchServices, findDuplicates, followRequest, type RequestView, type ServiceView, submitRequest } from './api.ts';
import { CategoryIcon, ExtraIcon } from './icons.tsx';
import { LazyPinMap } from './lazy.ts';
import { districtAt, formatCoords, formatDistance, formatMinute, statusKey } from './model.ts';
import { type PhotoDraft, PhotoPicker } from './photos.tsx';

/** Wait this long after the last change of pin or description before asking for look-alike reports. */
const DUPLICATE_DEBOUNCE_MS = 400;
const DESCRIPTION_MAX = 2000;

type Pin = { lat: number; long: number };
type FieldErrors = Partial<Record<'category' | 'location' | 'description' | 'photos', string>> & { attributes?: Record<string, string> };

function CategoryPicker({ services, code, onPick, error }: { services: ServiceView[]; code: string; onPick: (code: string) => void; error?: string }) {
  const { t, lang } = useI18n();
  return (
    <>
      <fieldset className="category-grid" data-testid="request-categories">
        <legend className="visually-hidden">{t('requests.new.categoryTitle')}</legend>
        {services.map((service) => {
          const checked = service.code === code;
          return (
            <label key={service.code} className={checked ? 'category-option is-selected' : 'category-option'} data-testid={`request-category-${service.code}`}>
              <input type="radio" name="request-category" value={service.code} className="visually-hidden" checked={checked} onChange={() => onPick(service.code)} />
              <span className="category-icon-box">
                <CategoryIcon code={service.code} group={service.group} />
              </span>
              <span className="category-name">{localized(service.name, lang)}</span>
            </label>
          );
        })}
      </fieldset>
      {error ? (
        <p className="field-error" data-testid="request-error-category">
          {error}
        </p>
      ) : null}
    </>
  );
}

function Step({ n, title, children, testId }: { n: number; title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="panel report-step" aria-labelledby={`report-step-${n}`} data-testid={testId}>
      <h2 id={`report-step-${n}`} className="report-step-title">
        <span className="step-number" aria-hidden="true">
          {n}
        </span>
        {title}
      </h2>
      {children}
    </section>
  );
}

function DuplicateOffer({
  candidates,
  services,
  busyId,
  error,
  onFollow,
  onDismiss,
}: {
  candidates: Candidate[];
  services: ServiceView[];
  busyId: string | null;
  error: unknown;
  onFollow: (id: string) => void;
  onDismiss: () => void;
}) {
  const { t, lang } = useI18n();
  const ref = useRef<HTMLElement>(null);
  const first = candidates[0]?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new best match is the trigger.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [first]);
  return (
    <section className="duplicate-offer" ref={ref} aria-labelledby="duplicate-title" data-testid="request-duplicates">
      <h2 id="duplicate-title">
        <Icon name="alert" size={20} />
        {t('requests.dup.title')}
      </h2>
      <p>{t('requests.dup.body')}</p>
      <ul className="duplicate-list">
        {candidates.map((candidate) => {
          const service = services.find((s) => s.code === candidate.serviceCode);
          return (
            <li key={candidate.id} className="duplicate-item" data-testid={`duplicate-${candidate.id}`}>
              <div className="duplicate-head">
                <span className="duplicate-name">{service ? localized(service.name, lang) : candidate.serviceCode}</span>
                <span className={`badge badge-${candidate.status === 'fixed' ? 'success' : 'info'}`}>{t(statusKey(candidate.status))}</span>
              </div>
              <p className="duplicate-text">{candidate.description}</p>
              <p className="duplicate-meta">
                {t('requests.dup.meta', {
                  distance: formatDistance(candidate.distanceMeters, lang, t),
                  time: formatMinute(candidate.requestedAt),
                  followers: formatNumber(candidate.followers, lang),
                })}
              </p>
              <button
                type="button"
                className="button button-primary button-block"
                data-testid={`duplicate-follow-${candidate.id}`}
                disabled={busyId !== null}
                onClick={() => onFollow(candidate.id)}
              >
                <ExtraIcon name="follow" size={18} />
                {busyId === candidate.id ? t('requests.dup.following') : t('requests.dup.follow')}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorNotice error={error} testId="duplicate-error" />
      <button type="button" className="button button-ghost" data-testid="duplicate-dismiss" onClick={onDismiss}>
        {t('requests.dup.submitAnyway')}
      </button>
    </section>
  );
}

function Confirmation({ request, onAnother }: { request: RequestView; onAnother: () => void }) {
  const { t, lang } = useI18n();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    window.scrollTo(0, 0);
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section className="panel confirmation" ref={ref} tabIndex={-1} aria-labelledby="confirmation-title" data-testid="request-confirmation">
      <span className="confirmation-icon">
        <Icon name="check" size={32} />
      </span>
      <h2 id="confirmation-title">{t('requests.done.title')}</h2>
      <p className="confirmation-lead">{t('requests.done.body')}</p>
      <dl className="confirmation-facts">
        <div>
          <dt>{t('requests.done.id')}</dt>
          <dd className="mono confirmation-id" data-testid="request-confirmation-id">
            {request.id}
          </dd>
        </div>
        <div>
          <dt>{t('requests.done.department')}</dt>
          <dd data-testid="request-confirmation-department">{localized(request.departmentName, lang) || request.department}</dd>
        </div>
        {request.districtName ? (
          <div>
            <dt>{t('requests.done.district')}</dt>
            <dd data-testid="request-confirmation-district">{localized(request.districtName, lang)}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t('requests.done.due')}</dt>
          <dd data-testid="request-confirmation-due">{t('requests.time.beijing', { time: formatMinute(request.dueAt) })}</dd>
        </div>
      </dl>
      <p className="hint">{t('requests.done.notify')}</p>
      <div className="button-row">
        <Link to={`/requests/${encodeURIComponent(request.id)}`} className="button button-primary" data-testid="request-confirmation-open">
          {t('requests.done.track')}
        </Link>
        <button type="button" className="button button-secondary" onClick={onAnother}>
          {t('requests.done.another')}
        </button>
      </div>
    </section>
  );
}

function Followed({ request }: { request: RequestView }) {
  const { t, lang } = useI18n();
  useEffect(() => window.scrollTo(0, 0), []);
  return (
    <section className="panel confirmation" aria-labelledby="followed-title" data-testid="request-followed">
      <span className="confirmation-icon">
        <ExtraIcon name="follow" size={30} />
      </span>
      <h2 id="followed-title">{t('requests.followed.title')}</h2>
      <p className="confirmation-lead">{t('requests.followed.body', { id: request.id, department: localized(request.departmentName, lang) })}</p>
      <div className="button-row">
        <Link to={`/requests/${encodeURIComponent(request.id)}`} className="button button-primary" data-testid="request-followed-open">
          {t('requests.done.track')}
        </Link>
        <Link to="/requests/mine" className="button button-secondary">
          {t('requests.tab.mine')}
        </Link>
      </div>
    </section>
  );
}

export function ReportPage() {
  const { t, lang } = useI18n();
  const city = useCity();
  const services = useApi((signal) => fetchServices(signal), []);
  const [code, setCode] = useState('');
  const [drafts, setDrafts] = useState<AttributeDrafts>({});
  const [photos, setPhotos] = useState<PhotoDraft[]>([]);
  const [pin, setPin] = useState<Pin | null>(null);
  const [focusKey, setFocusKey] = useState(0);
  const [locating, setLocating] = useState(false);
  const [locateError, setLocateError] = useState('');
  const [address, setAddress] = useState('');
  const [description, setDescription] = useState('');
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [followBusy, setFollowBusy] = useState<string | null>(null);
  const [followError, setFollowError] = useState<unknown>(undefined);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<RequestView | null>(null);
  const [followed, setFollowed] = useState<RequestView | null>(null);

  const service = services.data?.find((s) => s.code === code);
  const districts = city.data?.districts;
  const district = pin ? districtAt(pin.long, pin.lat, districts) : undefined;

  // Look-alike reports as soon as the category and the pin are known, again as the description grows.
  useEffect(() => {
    if (!code || !pin) {
      setCandidates([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      findDuplicates({ serviceCode: code, lat: pin.lat, long: pin.long, description: description.trim() }, controller.signal).then(
        (found) => {
          if (!controller.signal.aborted) setCandidates(found);
        },
        () => {
          // Only a suggestion: without it the citizen can still report.
        },
      );
    }, DUPLICATE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [code, pin, description]);

  const offered = useMemo(() => candidates.filter((c) => !dismissed.has(c.id)), [candidates, dismissed]);

  function pickCategory(next: string) {
    if (next !== code) setDrafts({});
    setCode(next);
    setErrors((e) => ({ ...e, category: undefined, attributes: undefined }));
  }

  function pickPin(next: Pin, focus: boolean) {
    setPin(next);
    setLocateError('');
    setErrors((e) => ({ ...e, location: undefined }));
    if (focus) setFocusKey((k) => k + 1);
  }

  function locate() {
    if (!('geolocation' in navigator) || !window.isSecureContext) {
      setLocateError(t('requests.location.unsupported'));
      return;
    }
    setLocating(true);
    setLocateError('');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        pickPin({ lat: Number(position.coords.latitude.toFixed(6)), long: Number(position.coords.longitude.toFixed(6)) }, true);
      },
      (failure) => {
        setLocating(false);
        setLocateError(failure.code === failure.PERMISSION_DENIED ? t('requests.location.denied') : t('requests.location.failed'));
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  }

  async function follow(id: string) {
    setFollowBusy(id);
    setFollowError(undefined);
    try {
      setFollowed(await followRequest(id));
    } catch (error) {
      setFollowError(error);
    } finally {
      setFollowBusy(null);
    }
  }

  function reset() {
    setCode('');
    setDrafts({});
    setPhotos([]);
    setPin(null);
    setAddress('');
    setDescription('');
    setCandidates([]);
    setDismissed(new Set());
    setErrors({});
    setSubmitError(undefined);
    setCreated(null);
    setFollowed(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setSubmitError(undefined);
    const next: FieldErrors = {};
    if (!service) next.category = t('requests.new.pickCategory');
    const attributes = service ? readAttributes(service.attributes, drafts, t, lang) : { values: {}, errors: {} };
    if (Object.keys(attributes.errors).length > 0) next.attributes = attributes.errors;
    if (!pin && !address.trim()) next.location = t('requests.location.missing');
    if (!description.trim()) next.description = t('requests.new.describe');
    if (photos.some((p) => p.state === 'uploading')) next.photos = t('requests.photo.wait');
    else if (photos.some((p) => p.state === 'failed')) next.photos = t('requests.photo.removeFailed');
    setErrors(next);
    if (Object.keys(next).length > 0 || !service) {
      requestAnimationFrame(() => document.querySelector('.field-error, [aria-invalid="true"]')?.scrollIntoView({ block: 'center' }));
      return;
    }
    setSubmitting(true);
    try {
      const mediaIds = photos.flatMap((p) => (p.media ? [p.media.id] : []));
      const result = await submitRequest({
        serviceCode: service.code,
        ...(pin ? { lat: pin.lat, long: pin.long } : {}),
        ...(address.trim() ? { addressString: address.trim() } : {}),
        description: description.trim(),
        ...(Object.keys(attributes.values).length > 0 ? { attributes: attributes.values } : {}),
        ...(mediaIds.length > 0 ? { mediaIds } : {}),
      });
      setCreated(result.request);
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  }

  if (created) {
    return (
      <div className="page report-page">
        <Confirmation request={created} onAnother={reset} />
      </div>
    );
  }
  if (followed) {
    return (
      <div className="page report-page">
        <Followed request={followed} />
      </div>
    );
  }

  const cityName = city.data ? localized(city.data.name, lang) : '';
  return (
    <div className="page report-page">
      <PageHeader title={t('requests.new.title')} subtitle={t('requests.new.subtitle')} />
      <form className="report-form" onSubmit={submit} noValidate data-testid="request-form">
        <Step n={1} title={t('requests.new.categoryTitle')}>
          <ErrorNotice error={services.error} testId="request-services-error" />
          {services.loading && !services.data ? <Loading /> : null}
          {services.data ? <CategoryPicker services={services.data} code={code} onPick={pickCategory} error={errors.category} /> : null}
          {service ? (
            <>
              <p className="category-desc">{localized(service.description, lang)}</p>
              {service.attributes.length > 0 ? (
                <AttributeFields
                  attributes={service.attributes}
                  drafts={drafts}
                  errors={errors.attributes ?? {}}
                  onChange={(attr, value) => setDrafts((d) => ({ ...d, [attr]: value }))}
                />
              ) : null}
            </>
          ) : null}
        </Step>

        <Step n={2} title={t('requests.new.photoTitle')}>
          <PhotoPicker photos={photos} onChange={setPhotos} />
          {errors.photos ? (
            <p className="field-error" data-testid="request-error-photos">
              {errors.photos}
            </p>
          ) : null}
        </Step>

        <Step n={3} title={t('requests.new.locationTitle')} testId="request-location">
          <div className="location-tools">
            <button type="button" className="button button-secondary" data-testid="request-locate" onClick={locate} disabled={locating}>
              <ExtraIcon name="locate" size={18} />
              {locating ? t('requests.location.locating') : t('requests.location.useMine')}
            </button>
            <span className="hint">{t('requests.location.tapHint')}</span>
          </div>
          {locateError ? (
            <Notice tone="warning" testId="request-locate-error">
              {locateError}
            </Notice>
          ) : null}
          <ErrorNotice error={city.error} />
          {districts ? (
            <div className="city-map pin-map" data-testid="request-map">
              <Suspense fallback={<Loading />}>
                <LazyPinMap
                  districts={districts}
                  pin={pin}
                  focusKey={focusKey}
                  onPick={(next) => pickPin(next, false)}
                  label={t('requests.location.mapLabel', { city: cityName })}
                />
              </Suspense>
            </div>
          ) : city.loading ? (
            <Loading />
          ) : null}
          <p className="pin-readout" data-testid="request-pin" aria-live="polite" data-lat={pin?.lat} data-long={pin?.long}>
            <Icon name="pin" size={18} />
            {pin ? (
              <span>
                {district ? <strong data-testid="request-pin-district">{lang === 'en' ? district.properties.nameEn : district.properties.name} · </strong> : null}
                <span className="mono">{formatCoords(pin.lat, pin.long)}</span>
                {!district && districts ? <span className="pin-outside"> {t('requests.location.outside')}</span> : null}
              </span>
            ) : (
              <span className="muted">{t('requests.location.none')}</span>
            )}
          </p>
          <div className="field">
            <label htmlFor="request-address">
              {t('requests.location.address')}
              <span className="optional">{t('common.optional')}</span>
            </label>
            <input
              id="request-address"
              data-testid="request-address"
              value={address}
              maxLength={200}
              autoComplete="street-address"
              placeholder={t('requests.location.addressPlaceholder')}
              onChange={(e) => {
                setAddress(e.target.value);
                setErrors((x) => ({ ...x, location: undefined }));
              }}
            />
          </div>
          {errors.location ? (
            <p className="field-error" data-testid="request-error-location">
              {errors.location}
            </p>
          ) : null}
        </Step>

        {offered.length > 0 && services.data ? (
          <DuplicateOffer
            candidates={offered}
            services={services.data}
            busyId={followBusy}
            error={followError}
            onFollow={follow}
            onDismiss={() => setDismissed((d) => new Set([...d, ...offered.map((c) => c.id)]))}
          />
        ) : null}

        <Step n={4} title={t('requests.new.descriptionTitle')}>
          <div className="field">
            <label htmlFor="request-description">{t('requests.new.descriptionLabel')}</label>
            <textarea
              id="request-description"
              data-testid="request-description"
              rows={4}
              maxLength={DESCRIPTION_MAX}
              value={description}
              placeholder={t('requests.new.descriptionPlaceholder')}
              aria-invalid={!!errors.description}
              onChange={(e) => {
                setDescription(e.target.value);
                setErrors((x) => ({ ...x, description: undefined }));
              }}
            />
            <p className="hint">{t('requests.new.privacy')}</p>
            {errors.description ? (
              <p className="field-error" data-testid="request-error-description">
                {errors.description}
              </p>
            ) : null}
          </div>
        </Step>

        <div className="report-submit">
          {Object.keys(errors).some((k) => errors[k as keyof FieldErrors]) ? (
            <Notice tone="error" testId="request-form-error">
              {t('requests.new.fixErrors')}
            </Notice>
          ) : null}
          <ErrorNotice error={submitError} testId="request-submit-error" />
          <button type="submit" className="button button-primary button-block button-large" data-testid="request-submit" disabled={submitting}>
            <Icon name="requests" size={20} />
            {submitting ? t('requests.new.submitting') : candidates.length > 0 ? t('requests.new.submitNew') : t('requests.new.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
