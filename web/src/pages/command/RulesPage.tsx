/**
 * Alarm rules, noise policies and silences (`/command/rules`): lists with an enabled switch, a form per kind with the
 * condition as monospace text and the advanced fields as JSON, and the server's validation errors (`errors[].path`)
 * shown beside the field they name.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { isApiError } from '../../api/client.ts';
import { describeError } from '../../api/errors.ts';
import { useApi } from '../../api/useApi.ts';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { formatDateTime, type Translate, useI18n } from '../../i18n/index.ts';
import { type ConfigItem, type ConfigKind, deleteConfig, fetchConfig, saveConfig } from './api.ts';
import { dataLabel } from './CenterPage.tsx';
import { bilingual, SEVERITIES } from './model.ts';

const CATEGORIES = ['fire', 'security', 'environment', 'traffic', 'device', 'health'];
const POLICY_KINDS = ['corroborate', 'suppressWhen', 'inhibit', 'group'] as const;
/** The rule fields the form has controls for; everything else is edited as JSON. */
const RULE_FIELDS = ['id', 'name', 'enabled', 'entityType', 'where', 'condition', 'alarmType', 'category', 'severity'];

type FieldErrors = Record<string, string[]>;

/** The server's `errors: [{path, message}]` by the form field they belong to (the path's first segment), else under `other`. */
function fieldErrors(error: unknown, fields: readonly string[]): FieldErrors {
  const out: FieldErrors = {};
  if (!isApiError(error)) return out;
  const list = (error.problem as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const { path, message } = (item ?? {}) as { path?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    const p = typeof path === 'string' ? path.replace(/^\/|^\$\.?/, '') : '';
    const head = p.split(/[./[]/)[0] ?? '';
    const key = fields.includes(head) ? head : 'other';
    const messages = out[key] ?? [];
    messages.push(p && key === 'other' ? `${p}: ${text}` : text);
    out[key] = messages;
  }
  return out;
}

function Errors({ list, id }: { list: string[] | undefined; id: string }) {
  if (!list?.length) return null;
  return (
    <p className="field-error" id={`${id}-error`} data-testid={`${id}-error`} role="alert">
      {list.join(' ')}
    </p>
  );
}

function Labelled({ id, label, children, errors, hint }: { id: string; label: string; children: ReactNode; errors?: string[] | undefined; hint?: string }) {
  return (
    <div className={errors?.length ? 'field has-error' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? <p className="hint">{hint}</p> : null}
      <Errors list={errors} id={id} />
    </div>
  );
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const without = (input: Record<string, unknown>, names: readonly string[]) => Object.fromEntries(Object.entries(input).filter(([k]) => !names.includes(k)));

function RuleForm({ item, onDone, t }: { item: ConfigItem | null; onDone: () => void; t: Translate }) {
  const input = item?.input ?? {};
  const name = bilingual(input.name);
  const [form, setForm] = useState({
    nameZh: name.zh,
    nameEn: name.en,
    entityType: String(input.entityType ?? 'SecuritySensor'),
    where: String(input.where ?? ''),
    condition: String(input.condition ?? ''),
    alarmType: String(input.alarmType ?? ''),
    category: String(input.category ?? 'fire'),
    severity: String(input.severity ?? 'major'),
    advanced: pretty(without(input, RULE_FIELDS)),
  });
  const [error, setError] = useState<unknown>(undefined);
  const [jsonError, setJsonError] = useState('');
  const [saving, setSaving] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const errors = fieldErrors(error, [...RULE_FIELDS, 'for', 'repeat', 'clear', 'clearFor', 'schedule', 'description']);
  const advancedErrors = ['for', 'repeat', 'clear', 'clearFor', 'silentFor', 'schedule', 'description', 'other'].flatMap((k) => errors[k] ?? []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let advanced: Record<string, unknown>;
    try {
      advanced = form.advanced.trim() ? (JSON.parse(form.advanced) as Record<string, unknown>) : {};
      setJsonError('');
    } catch (cause) {
      setJsonError(`${t('command.rules.badJson')} ${(cause as Error).message}`);
      return;
    }
    const body: Record<string, unknown> = {
      ...advanced,
      name: { zh: form.nameZh, en: form.nameEn || form.nameZh },
      enabled: item?.enabled ?? true,
      entityType: form.entityType,
      // An absence rule (`silentFor` among the advanced fields) may have no condition.
      ...(form.condition.trim() ? { condition: form.condition } : {}),
      alarmType: form.alarmType,
      category: form.category,
      severity: form.severity,
      ...(form.where.trim() ? { where: form.where.trim() } : {}),
    };
    setSaving(true);
    setError(undefined);
    saveConfig('rules', body, item?.id).then(
      () => {
        setSaving(false);
        onDone();
      },
      (cause: unknown) => {
        setSaving(false);
        setError(cause);
      },
    );
  };

  return (
    <form className="form command-rule-form" onSubmit={submit} data-testid="rule-form" noValidate>
      <h3>{item ? t('command.rules.edit', { name: name.zh || item.id }) : t('command.rules.new')}</h3>
      <div className="command-form-row">
        <Labelled id="rule-name-zh" label={t('command.rules.nameZh')} errors={errors.name}>
          <input id="rule-name-zh" data-testid="rule-name-zh" value={form.nameZh} onChange={set('nameZh')} />
        </Labelled>
        <Labelled id="rule-name-en" label={t('command.rules.nameEn')}>
          <input id="rule-name-en" data-testid="rule-name-en" value={form.nameEn} onChange={set('nameEn')} />
        </Labelled>
      </div>
      <div className="command-form-row">
        <Labelled id="rule-entity-type" label={t('command.rules.entityType')} errors={errors.entityType}>
          <input id="rule-entity-type" data-testid="rule-entity-type" value={form.entityType} onChange={set('entityType')} />
        </Labelled>
        <Labelled id="rule-alarm-type" label={t('command.rules.alarmType')} errors={errors.alarmType}>
          <input id="rule-alarm-type" data-testid="rule-alarm-type" value={form.alarmType} onChange={set('alarmType')} />
        </Labelled>
        <Labelled id="rule-category" label={t('command.rules.category')} errors={errors.category}>
          <select id="rule-category" data-testid="rule-category" value={form.category} onChange={set('category')}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {dataLabel(t, 'command.category', c)}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled id="rule-severity" label={t('command.rules.severity')} errors={errors.severity}>
          <select id="rule-severity" data-testid="rule-severity" value={form.severity} onChange={set('severity')}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`command.severity.${s}`)}
              </option>
            ))}
          </select>
        </Labelled>
      </div>
      <Labelled id="rule-where" label={t('command.rules.where')} errors={errors.where} hint={t('command.rules.whereHint')}>
        <input id="rule-where" className="mono" data-testid="rule-where" value={form.where} onChange={set('where')} spellCheck={false} />
      </Labelled>
      <Labelled id="rule-condition" label={t('command.rules.condition')} errors={errors.condition} hint={t('command.rules.conditionHint')}>
        <textarea id="rule-condition" className="mono" data-testid="rule-condition" rows={2} value={form.condition} onChange={set('condition')} spellCheck={false} />
      </Labelled>
      <Labelled id="rule-advanced" label={t('command.rules.advanced')} errors={[...(jsonError ? [jsonError] : []), ...advancedErrors]} hint={t('command.rules.advancedHint')}>
        <textarea id="rule-advanced" className="mono" data-testid="rule-advanced" rows={6} value={form.advanced} onChange={set('advanced')} spellCheck={false} />
      </Labelled>
      {error && Object.keys(errors).length === 0 ? <ErrorNotice error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" data-testid="rule-save" disabled={saving}>
          {t('command.save')}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function PolicyForm({ item, onDone, t }: { item: ConfigItem | null; onDone: () => void; t: Translate }) {
  const input = item?.input ?? {};
  const name = bilingual(input.name);
  const [nameZh, setNameZh] = useState(name.zh);
  const [kind, setKind] = useState(String(input.kind ?? 'suppressWhen'));
  const [json, setJson] = useState(pretty(without(input, ['id', 'name', 'kind', 'enabled'])));
  const [error, setError] = useState<unknown>(undefined);
  const [jsonError, setJsonError] = useState('');
  const errors = fieldErrors(error, ['name', 'kind']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    let rest: Record<string, unknown>;
    try {
      rest = json.trim() ? (JSON.parse(json) as Record<string, unknown>) : {};
      setJsonError('');
    } catch (cause) {
      setJsonError(`${t('command.rules.badJson')} ${(cause as Error).message}`);
      return;
    }
    setError(undefined);
    saveConfig('policies', { ...rest, name: nameZh, kind, enabled: item?.enabled ?? true }, item?.id).then(onDone, setError);
  };
  return (
    <form className="form command-rule-form" onSubmit={submit} data-testid="policy-form" noValidate>
      <h3>{item ? t('command.rules.edit', { name: name.zh || item.id }) : t('command.policies.new')}</h3>
      <div className="command-form-row">
        <Labelled id="policy-name" label={t('command.rules.nameZh')} errors={errors.name}>
          <input id="policy-name" data-testid="policy-name" value={nameZh} onChange={(e) => setNameZh(e.target.value)} />
        </Labelled>
        <Labelled id="policy-kind" label={t('command.policies.kind')} errors={errors.kind}>
          <select id="policy-kind" data-testid="policy-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {POLICY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`command.policyKind.${k}`)}
              </option>
            ))}
          </select>
        </Labelled>
      </div>
      <Labelled id="policy-json" label={t('command.policies.body')} errors={[...(jsonError ? [jsonError] : []), ...(errors.other ?? [])]} hint={t('command.policies.bodyHint')}>
        <textarea id="policy-json" className="mono" data-testid="policy-json" rows={8} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} />
      </Labelled>
      {error && Object.keys(errors).length === 0 ? <ErrorNotice error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" data-testid="policy-save">
          {t('command.save')}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function toLocalInput(at: number): string {
  // datetime-local wants local wall time without a zone.
  const d = new Date(at - new Date(at).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function SilenceForm({ onDone, t }: { onDone: () => void; t: Translate }) {
  const now = Date.now();
  const [form, setForm] = useState({ kind: 'silence', alarmType: '', originator: '', district: '', entityType: '', from: toLocalInput(now), to: toLocalInput(now + 2 * 3_600_000), reason: '' });
  const [error, setError] = useState<unknown>(undefined);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const errors = fieldErrors(error, ['kind', 'matchers', 'from', 'to', 'reason']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const matchers = Object.fromEntries((['alarmType', 'originator', 'district', 'entityType'] as const).filter((k) => form[k].trim()).map((k) => [k, form[k].trim()]));
    const at = (local: string) => (local ? new Date(local).toISOString() : '');
    setError(undefined);
    saveConfig('silences', { kind: form.kind, matchers, from: at(form.from), to: at(form.to), reason: form.reason }).then(onDone, setError);
  };
  return (
    <form className="form command-rule-form" onSubmit={submit} data-testid="silence-form" noValidate>
      <h3>{t('command.silences.new')}</h3>
      <div className="command-form-row">
        <Labelled id="silence-kind" label={t('command.silences.kind')} errors={errors.kind}>
          <select id="silence-kind" data-testid="silence-kind" value={form.kind} onChange={set('kind')}>
            <option value="silence">{t('command.silences.silence')}</option>
            <option value="maintenance">{t('command.silences.maintenance')}</option>
          </select>
        </Labelled>
        <Labelled id="silence-alarm-type" label={t('command.rules.alarmType')} errors={errors.matchers}>
          <input id="silence-alarm-type" data-testid="silence-alarm-type" value={form.alarmType} onChange={set('alarmType')} />
        </Labelled>
        <Labelled id="silence-originator" label={t('command.silences.originator')}>
          <input id="silence-originator" className="mono" data-testid="silence-originator" value={form.originator} onChange={set('originator')} />
        </Labelled>
        <Labelled id="silence-district" label={t('command.silences.district')}>
          <input id="silence-district" data-testid="silence-district" value={form.district} onChange={set('district')} />
        </Labelled>
      </div>
      <div className="command-form-row">
        <Labelled id="silence-from" label={t('command.silences.from')} errors={errors.from}>
          <input id="silence-from" type="datetime-local" data-testid="silence-from" value={form.from} onChange={set('from')} />
        </Labelled>
        <Labelled id="silence-to" label={t('command.silences.to')} errors={errors.to}>
          <input id="silence-to" type="datetime-local" data-testid="silence-to" value={form.to} onChange={set('to')} />
        </Labelled>
        <Labelled id="silence-reason" label={t('command.silences.reason')} errors={[...(errors.reason ?? []), ...(errors.other ?? [])]}>
          <input id="silence-reason" data-testid="silence-reason" value={form.reason} onChange={set('reason')} />
        </Labelled>
      </div>
      {error && Object.keys(errors).length === 0 ? <ErrorNotice error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" data-testid="silence-save">
          {t('command.save')}
        </button>
      </div>
    </form>
  );
}

function Toggle({ item, kind, onDone, t }: { item: ConfigItem; kind: ConfigKind; onDone: () => void; t: Translate }) {
  const [error, setError] = useState<unknown>(undefined);
  const flip = () => saveConfig(kind, { ...item.input, enabled: !item.enabled }, item.id).then(onDone, setError);
  return (
    <>
      <button type="button" role="switch" aria-checked={item.enabled} className={item.enabled ? 'command-switch is-on' : 'command-switch'} data-testid={`${kind}-toggle`} onClick={flip}>
        <span className="visually-hidden">{t('command.rules.enabled')}</span>
      </button>
      {error ? <span className="field-error">{describeError(error, t)}</span> : null}
    </>
  );
}

export function RulesPage() {
  const { t, lang } = useI18n();
  const [generation, setGeneration] = useState(0);
  const rules = useApi((signal) => fetchConfig('rules', signal), [generation]);
  const policies = useApi((signal) => fetchConfig('policies', signal), [generation]);
  const silences = useApi((signal) => fetchConfig('silences', signal), [generation]);
  const [editing, setEditing] = useState<{ kind: 'rules' | 'policies'; item: ConfigItem | null } | null>(null);
  const [silenceOpen, setSilenceOpen] = useState(false);
  const reload = () => setGeneration((g) => g + 1);
  const done = () => {
    setEditing(null);
    setSilenceOpen(false);
    reload();
  };

  return (
    <div className="command-rules" data-testid="command-rules">
      <section className="panel" aria-labelledby="rules-title">
        <div className="command-panel-head">
          <h2 id="rules-title">{t('command.rules.title')}</h2>
          <button type="button" className="button button-small button-primary" data-testid="rule-new" onClick={() => setEditing({ kind: 'rules', item: null })}>
            {t('command.rules.new')}
          </button>
        </div>
        {editing?.kind === 'rules' ? <RuleForm key={editing.item?.id ?? 'new'} item={editing.item} onDone={done} t={t} /> : null}
        <ErrorNotice error={rules.error} />
        {rules.loading && !rules.data ? <Loading /> : null}
        <div className="table-wrap">
          <table className="table" data-testid="rules-table">
            <thead>
              <tr>
                <th>{t('command.rules.name')}</th>
                <th>{t('command.rules.entityType')}</th>
                <th>{t('command.rules.alarmType')}</th>
                <th>{t('command.rules.condition')}</th>
                <th>{t('command.rules.severity')}</th>
                <th>{t('command.rules.enabled')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(rules.data ?? []).map((item) => (
                <tr key={item.id} data-testid="rule-row" data-id={item.id} className={item.enabled ? undefined : 'is-muted'}>
                  <td>{bilingual(item.input.name)[lang]}</td>
                  <td className="mono">{String(item.input.entityType ?? '')}</td>
                  <td>{dataLabel(t, 'command.alarmType', String(item.input.alarmType ?? ''))}</td>
                  <td className="mono command-condition">{String(item.input.condition ?? '')}</td>
                  <td>{dataLabel(t, 'command.severity', String(item.input.severity ?? ''))}</td>
                  <td>
                    <Toggle item={item} kind="rules" onDone={reload} t={t} />
                  </td>
                  <td>
                    <button type="button" className="button button-small button-ghost" data-testid="rule-edit" onClick={() => setEditing({ kind: 'rules', item })}>
                      {t('command.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="policies-title">
        <div className="command-panel-head">
          <h2 id="policies-title">{t('command.policies.title')}</h2>
          <button type="button" className="button button-small button-primary" data-testid="policy-new" onClick={() => setEditing({ kind: 'policies', item: null })}>
            {t('command.policies.new')}
          </button>
        </div>
        {editing?.kind === 'policies' ? <PolicyForm key={editing.item?.id ?? 'new'} item={editing.item} onDone={done} t={t} /> : null}
        <ErrorNotice error={policies.error} />
        <div className="table-wrap">
          <table className="table" data-testid="policies-table">
            <thead>
              <tr>
                <th>{t('command.rules.name')}</th>
                <th>{t('command.policies.kind')}</th>
                <th>{t('command.policies.types')}</th>
                <th>{t('command.rules.enabled')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(policies.data ?? []).map((item) => {
                const types = (item.input.signalTypes ?? item.input.alarmTypes ?? item.input.targets ?? []) as unknown[];
                return (
                  <tr key={item.id} data-testid="policy-row" data-id={item.id} className={item.enabled ? undefined : 'is-muted'}>
                    <td>{bilingual(item.input.name)[lang]}</td>
                    <td>{dataLabel(t, 'command.policyKind', String(item.input.kind ?? ''))}</td>
                    <td>{types.map((x) => dataLabel(t, 'command.alarmType', String(x))).join('、')}</td>
                    <td>
                      <Toggle item={item} kind="policies" onDone={reload} t={t} />
                    </td>
                    <td>
                      <button type="button" className="button button-small button-ghost" data-testid="policy-edit" onClick={() => setEditing({ kind: 'policies', item })}>
                        {t('command.edit')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="silences-title">
        <div className="command-panel-head">
          <h2 id="silences-title">{t('command.silences.title')}</h2>
          <button type="button" className="button button-small button-primary" data-testid="silence-new" onClick={() => setSilenceOpen(true)}>
            {t('command.silences.new')}
          </button>
        </div>
        {silenceOpen ? <SilenceForm onDone={done} t={t} /> : null}
        <ErrorNotice error={silences.error} />
        {(silences.data ?? []).length === 0 && !silences.loading ? <p className="hint">{t('command.silences.none')}</p> : null}
        <ul className="command-silences" data-testid="silences-list">
          {(silences.data ?? []).map((item) => {
            const matchers = (item.input.matchers ?? {}) as Record<string, string>;
            return (
              <li key={item.id} data-testid="silence-row" data-id={item.id}>
                <strong>{item.input.kind === 'maintenance' ? t('command.silences.maintenance') : t('command.silences.silence')}</strong>
                <span className="mono">
                  {Object.entries(matchers)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}
                </span>
                <span>
                  {formatDateTime(String(item.input.from ?? ''))} → {formatDateTime(String(item.input.to ?? ''))}
                </span>
                <span>{String(item.input.reason ?? '')}</span>
                <button type="button" className="button button-small button-danger-ghost" data-testid="silence-delete" onClick={() => deleteConfig('silences', item.id).then(reload, reload)}>
                  {t('command.delete')}
                </button>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
