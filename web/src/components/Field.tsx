/** Labelled form fields: one shape for every form (label, optional marker, hint), the id doubling as the test id. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';

export interface FieldProps {
  /** The control's id; also its `data-testid`. */
  id: string;
  label: string;
  optional?: boolean;
  hint?: string;
  children: ReactNode;
}

/** A label, the control passed as children, and an optional hint linked to it. */
export function Field({ id, label, optional, hint, children }: FieldProps) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {optional ? <span className="optional">{t('common.optional')}</span> : null}
      </label>
      {children}
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  optional?: boolean;
  hint?: string;
}

/** A labelled text (or password) input. */
export function TextField({ id, label, value, onValue, optional, hint, ...input }: TextFieldProps) {
  return (
    <Field id={id} label={label} {...(optional ? { optional } : {})} {...(hint ? { hint } : {})}>
      <input
        id={id}
        data-testid={id}
        aria-describedby={hint ? `${id}-hint` : undefined}
        required={!optional}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        {...input}
      />
    </Field>
  );
}
