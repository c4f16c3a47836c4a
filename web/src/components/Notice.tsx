import type { ReactNode } from 'react';
import { describeError } from '../api/errors.ts';
import { useI18n } from '../i18n/index.ts';
import { Icon } from './Icon.tsx';

export interface NoticeProps {
  tone: 'error' | 'success' | 'warning' | 'info';
  children: ReactNode;
  testId?: string;
  id?: string;
}

/** A short message next to the thing it is about; errors are announced to screen readers. */
export function Notice({ tone, children, testId, id }: NoticeProps) {
  const urgent = tone === 'error' || tone === 'warning';
  return (
    <div
      className={`notice notice-${tone}`}
      role={urgent ? 'alert' : 'status'}
      data-testid={testId}
      id={id}
    >
      <Icon name={tone === 'success' ? 'check' : 'alert'} size={18} className="notice-icon" />
      <div className="notice-body">{children}</div>
    </div>
  );
}

/** The server's problem `detail` (or a translated fallback) for a failed call; nothing when no error. */
export function ErrorNotice({ error, testId, id }: { error: unknown; testId?: string; id?: string }) {
  const { t } = useI18n();
  if (error === undefined || error === null) return null;
  return (
    <Notice tone="error" testId={testId} id={id}>
      {describeError(error, t)}
    </Notice>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </p>
  );
}
