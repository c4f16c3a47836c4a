/** The Devices page: register a device (its key shown once, with how to send data), and watch devices' last seen, messages and errors. */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { fetchDepartments } from '../../api/endpoints.ts';
import { useApi } from '../../api/useApi.ts';
import { useAuth } from '../../auth/index.ts';
import { hasAnyRole } from '../../auth/session.ts';
import { Badge } from '../../components/Badge.tsx';
import { TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice, Notice } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatNumber, useI18n } from '../../i18n/index.ts';
import { DepartmentField, departmentName, ListPanel } from '../admin/shared.tsx';
import { type Device, fetchDevices, parseMappings, registerDevice } from './api.ts';

/** How often the list refreshes itself (the server counts in memory and writes every 2 s). */
const REFRESH_MS = 5000;

function NewDeviceKey({ device, deviceKey, onDismiss }: { device: Device; deviceKey: string; onDismiss: () => void }) {
  const { t } = useI18n();
  const boxRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new key is the trigger.
  useEffect(() => {
    boxRef.current?.scrollIntoView({ block: 'nearest' });
    boxRef.current?.focus({ preventScroll: true });
  }, [deviceKey]);
  const origin = window.location.origin;
  return (
    <section className="new-key" data-testid="device-new-key" aria-labelledby="device-key-title" tabIndex={-1} ref={boxRef}>
      <h3 id="device-key-title">{t('devices.newTitle', { id: device.id })}</h3>
      <p className="new-key-warning">
        <Icon name="alert" size={18} />
        <span>{t('devices.newWarning')}</span>
      </p>
      <div className="new-key-value">
        <code data-testid="device-new-key-value">{deviceKey}</code>
        <button
          type="button"
          className="button button-primary"
          onClick={() => navigator.clipboard?.writeText(deviceKey).then(() => setCopied(true), () => setCopied(false))}
        >
          <Icon name={copied ? 'check' : 'copy'} size={18} />
          {copied ? t('keys.copied') : t('keys.copy')}
        </button>
      </div>
      <p className="hint">{t('devices.howTo')}</p>
      {/* Keys and URLs are long unbroken strings: wrap anywhere rather than widen the page. */}
      <pre className="mono device-howto" data-testid="device-howto" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxWidth: '100%', fontSize: '0.8rem' }}>
        {`MQTT ${t('devices.howTo.mqtt', { id: device.id })}\n  /${deviceKey}/${device.id}/attrs\n  {"t": 21.5}  |  t|21.5\n\nHTTP POST\n  ${origin}/iot/json?k=${deviceKey}&i=${device.id}\n  ${origin}/iot/d?k=…&i=${device.id}  (UltraLight)`}
      </pre>
      <button type="button" className="button button-secondary" onClick={onDismiss}>
        {t('keys.dismiss')}
      </button>
    </section>
  );
}

function Health({ device }: { device: Device }) {
  const { t } = useI18n();
  if (!device.lastSeenAt) return <Badge tone="neutral">{t('devices.status.never')}</Badge>;
  const quiet = Date.now() - Date.parse(device.lastSeenAt) > 15 * 60_000;
  if (device.lastErrorAt && device.lastErrorAt > device.lastSeenAt) return <Badge tone="danger">{t('devices.status.error')}</Badge>;
  return quiet ? <Badge tone="warning">{t('devices.status.quiet')}</Badge> : <Badge tone="success">{t('devices.status.online')}</Badge>;
}

export function DevicesPage() {
  const { t, lang } = useI18n();
  const { session } = useAuth();
  const cityWide = session ? hasAnyRole(session.user, ['admin', 'operator']) : false;
  const devices = useApi((signal) => fetchDevices(signal), []);
  const departments = useApi((signal) => fetchDepartments(signal), []);
  const [id, setId] = useState('');
  const [entityType, setEntityType] = useState('');
  const [mapping, setMapping] = useState('');
  const [department, setDepartment] = useState('');
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<unknown>(undefined);
  const [localError, setLocalError] = useState('');
  const [created, setCreated] = useState<{ device: Device; key: string } | null>(null);

  const reload = devices.reload;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setFormError(undefined);
    if (!id.trim() || !entityType.trim()) {
      setLocalError(t('devices.required'));
      return;
    }
    const attributes = parseMappings(mapping);
    if (!attributes) {
      setLocalError(t('devices.mappingInvalid'));
      return;
    }
    setLocalError('');
    setBusy(true);
    try {
      const result = await registerDevice({
        id: id.trim(),
        entityType: entityType.trim(),
        attributes,
        ...(department ? { ownerDepartment: department } : {}),
      });
      setCreated(result);
      setId('');
      setMapping('');
      reload();
    } catch (cause) {
      setFormError(cause);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page devices-page">
      <PageHeader title={t('devices.title')} subtitle={t('devices.subtitle')} />
      <div className="admin-grid">
        <section className="panel admin-form" aria-labelledby="device-create-title">
          <div className="panel-header">
            <h2 id="device-create-title">{t('devices.createTitle')}</h2>
          </div>
          {created ? <NewDeviceKey device={created.device} deviceKey={created.key} onDismiss={() => setCreated(null)} /> : null}
          <form className="form" onSubmit={submit} noValidate data-testid="device-form">
            <TextField id="device-id" label={t('devices.field.id')} hint={t('devices.field.idHint')} autoComplete="off" value={id} onValue={setId} />
            <TextField id="device-type" label={t('devices.field.entityType')} hint={t('devices.field.entityTypeHint')} autoComplete="off" value={entityType} onValue={setEntityType} />
            <TextField id="device-mapping" label={t('devices.field.mapping')} hint={t('devices.field.mappingHint')} optional autoComplete="off" value={mapping} onValue={setMapping} />
            {cityWide ? (
              <DepartmentField id="device-department" label={t('devices.field.department')} value={department} onValue={setDepartment} departments={departments.data ?? []} />
            ) : null}
            {localError ? (
              <Notice tone="error" testId="device-form-error">
                {localError}
              </Notice>
            ) : null}
            <ErrorNotice error={formError} testId="device-form-error" />
            <button type="submit" className="button button-primary" data-testid="device-submit" disabled={busy}>
              <Icon name="devices" size={18} />
              {busy ? t('devices.submitting') : t('devices.submit')}
            </button>
          </form>
        </section>
        <ListPanel id="devices" title={t('devices.listTitle')} empty={t('devices.empty')} state={devices}>
          {(rows) => (
            <table className="table" data-testid="devices-table">
              <thead>
                <tr>
                  <th scope="col">{t('devices.col.id')}</th>
                  <th scope="col">{t('devices.col.entity')}</th>
                  <th scope="col">{t('devices.col.department')}</th>
                  <th scope="col">{t('devices.col.status')}</th>
                  <th scope="col">{t('devices.col.lastSeen')}</th>
                  <th scope="col" className="numeric">
                    {t('devices.col.messages')}
                  </th>
                  <th scope="col" className="numeric">
                    {t('devices.col.errors')}
                  </th>
                  <th scope="col" className="numeric">
                    {t('devices.col.throttled')}
                  </th>
                  <th scope="col">{t('devices.col.lastError')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((device) => (
                  <tr key={device.id} data-testid={`device-row-${device.id}`}>
                    <td className="mono">{device.id}</td>
                    <td>
                      <span className="mono">{device.entityType}</span>
                      <br />
                      <span className="hint mono">{device.entityId}</span>
                    </td>
                    <td>{departmentName(device.ownerDepartment, departments.data ?? [], lang) || t('common.dash')}</td>
                    <td>
                      <Health device={device} />
                    </td>
                    <td className="nowrap">{device.lastSeenAt ? formatDateTime(device.lastSeenAt) : t('devices.never')}</td>
                    <td className="numeric" data-testid={`device-messages-${device.id}`}>
                      {formatNumber(device.messageCount, lang)}
                    </td>
                    <td className="numeric" data-testid={`device-errors-${device.id}`}>
                      {formatNumber(device.errorCount, lang)}
                    </td>
                    <td className="numeric">{formatNumber(device.throttledCount, lang)}</td>
                    <td className="device-error" title={device.lastError ?? undefined}>
                      {device.lastError ? device.lastError.slice(0, 80) : t('common.dash')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </ListPanel>
      </div>
    </div>
  );
}
