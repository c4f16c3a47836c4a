import { type ReactNode, useEffect } from 'react';
import { useI18n } from '../i18n/index.ts';

/** The page's `<h1>`, and the browser tab title to match. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  usePageTitle(title);
  return (
    <header className="page-header">
      <div className="page-header-text">
        <h1>{title}</h1>
        {subtitle ? <p className="page-subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-header-actions">{actions}</div> : null}
    </header>
  );
}

export function usePageTitle(title: string): void {
  const { t } = useI18n();
  const brand = t('app.name');
  useEffect(() => {
    document.title = title && title !== brand ? `${title} · ${brand}` : brand;
  }, [title, brand]);
}
