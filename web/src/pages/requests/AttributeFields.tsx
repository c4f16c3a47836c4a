/** A category's questions (Open311 attributes) as form controls, one per datatype; non-variable attributes are shown as information. */
import { Notice } from '../../components/Notice.tsx';
import { localized, type Translate, useI18n } from '../../i18n/index.ts';
import type { AttributeValue, ServiceAttribute } from './api.ts';
import { beijingIso } from './model.ts';

/** What the form holds for each attribute: text as typed, or the keys ticked in a list. */
export type AttributeDrafts = Record<string, string | string[]>;

export function sortedAttributes(attributes: readonly ServiceAttribute[]): ServiceAttribute[] {
  return [...attributes].sort((a, b) => a.order - b.order);
}

/**
 * Checks the drafts and turns them into the values the API takes; `errors` names each attribute that
 * needs the citizen's attention, in words they can act on.
 */
export function readAttributes(
  attributes: readonly ServiceAttribute[],
  drafts: AttributeDrafts,
  t: Translate,
  lang: 'zh' | 'en',
): { values: Record<string, AttributeValue>; errors: Record<string, string> } {
  const values: Record<string, AttributeValue> = {};
  const errors: Record<string, string> = {};
  for (const attribute of attributes) {
    if (!attribute.variable) continue;
    const draft = drafts[attribute.code];
    const label = localized(attribute.description, lang);
    if (attribute.datatype === 'multivaluelist') {
      const keys = Array.isArray(draft) ? draft : [];
      if (keys.length > 0) values[attribute.code] = keys;
      else if (attribute.required) errors[attribute.code] = t('requests.attr.pickOne', { name: label });
      continue;
    }
    const text = typeof draft === 'string' ? draft.trim() : '';
    if (!text) {
      if (attribute.required) {
        errors[attribute.code] = attribute.datatype === 'singlevaluelist' ? t('requests.attr.pickOne', { name: label }) : t('requests.attr.required', { name: label });
      }
      continue;
    }
    if (attribute.datatype === 'number') {
      const number = Number(text);
      if (!Number.isFinite(number)) errors[attribute.code] = t('requests.attr.notNumber', { name: label });
      else values[attribute.code] = number;
    } else if (attribute.datatype === 'datetime') {
      const iso = beijingIso(text);
      if (Number.isNaN(Date.parse(iso))) errors[attribute.code] = t('requests.attr.notDate', { name: label });
      else values[attribute.code] = iso;
    } else {
      values[attribute.code] = text;
    }
  }
  return { values, errors };
}

function Label({ attribute, htmlFor }: { attribute: ServiceAttribute; htmlFor?: string }) {
  const { t, lang } = useI18n();
  const text = localized(attribute.description, lang);
  const content = (
    <>
      {text}
      {attribute.required ? <span className="required-mark">{t('requests.attr.requiredMark')}</span> : <span className="optional">{t('common.optional')}</span>}
    </>
  );
  return htmlFor ? <label htmlFor={htmlFor}>{content}</label> : <legend>{content}</legend>;
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p className="field-error" id={id} data-testid={id}>
      {error}
    </p>
  ) : null;
}

function Hint({ attribute, id }: { attribute: ServiceAttribute; id: string }) {
  const { lang } = useI18n();
  const text = localized(attribute.datatypeDescription, lang);
  return text ? (
    <p className="hint" id={id}>
      {text}
    </p>
  ) : null;
}

export function AttributeFields({
  attributes,
  drafts,
  errors,
  onChange,
}: {
  attributes: readonly ServiceAttribute[];
  drafts: AttributeDrafts;
  errors: Record<string, string>;
  onChange: (code: string, value: string | string[]) => void;
}) {
  const { t, lang } = useI18n();
  return (
    <div className="attribute-fields">
      {sortedAttributes(attributes).map((attribute) => {
        const id = `request-attr-${attribute.code}`;
        const hintId = `${id}-hint`;
        const error = errors[attribute.code];
        const describedBy = [attribute.datatypeDescription ? hintId : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
        if (!attribute.variable) {
          return (
            <Notice key={attribute.code} tone="info" testId={id}>
              {localized(attribute.description, lang)}
            </Notice>
          );
        }
        const draft = drafts[attribute.code];
        const text = typeof draft === 'string' ? draft : '';
        switch (attribute.datatype) {
          case 'singlevaluelist':
          case 'multivaluelist': {
            const multi = attribute.datatype === 'multivaluelist';
            const picked = Array.isArray(draft) ? draft : text ? [text] : [];
            return (
              <fieldset key={attribute.code} className="field" data-testid={id} aria-describedby={describedBy}>
                <Label attribute={attribute} />
                {multi ? <p className="hint">{t('requests.attr.pickAny')}</p> : null}
                <div className="choice-grid">
                  {(attribute.values ?? []).map((value) => (
                    <label key={value.key} className="checkbox">
                      <input
                        type={multi ? 'checkbox' : 'radio'}
                        name={id}
                        value={value.key}
                        data-testid={`${id}-${value.key}`}
                        checked={picked.includes(value.key)}
                        onChange={(event) => {
                          if (!multi) onChange(attribute.code, value.key);
                          else onChange(attribute.code, event.target.checked ? [...picked, value.key] : picked.filter((k) => k !== value.key));
                        }}
                      />
                      <span>{localized(value.name, lang)}</span>
                    </label>
                  ))}
                </div>
                <Hint attribute={attribute} id={hintId} />
                <FieldError id={`${id}-error`} error={error} />
              </fieldset>
            );
          }
          case 'text':
            return (
              <div key={attribute.code} className="field">
                <Label attribute={attribute} htmlFor={id} />
                <textarea id={id} data-testid={id} rows={3} value={text} aria-describedby={describedBy} aria-invalid={!!error} onChange={(e) => onChange(attribute.code, e.target.value)} />
                <Hint attribute={attribute} id={hintId} />
                <FieldError id={`${id}-error`} error={error} />
              </div>
            );
          default:
            return (
              <div key={attribute.code} className="field">
                <Label attribute={attribute} htmlFor={id} />
                <input
                  id={id}
                  data-testid={id}
                  type={attribute.datatype === 'number' ? 'number' : attribute.datatype === 'datetime' ? 'datetime-local' : 'text'}
                  inputMode={attribute.datatype === 'number' ? 'decimal' : undefined}
                  step={attribute.datatype === 'number' ? 'any' : undefined}
                  value={text}
                  aria-describedby={describedBy}
                  aria-invalid={!!error}
                  onChange={(e) => onChange(attribute.code, e.target.value)}
                />
                <Hint attribute={attribute} id={hintId} />
                <FieldError id={`${id}-error`} error={error} />
              </div>
            );
        }
      })}
    </div>
  );
}
