import type { ReactNode } from 'react';
import { BrandMark } from '../components/Icon.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { usePageTitle } from '../components/PageHeader.tsx';
import { useI18n } from '../i18n/index.ts';

/** The frame of the signed-out pages (sign-in, registration): brand panel + form card. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const { t } = useI18n();
  usePageTitle(title);
  return (
    <div className="auth-page">
      <div className="auth-lang">
        <LangSwitch />
      </div>
      <aside className="auth-hero" aria-hidden="true">
        <div className="auth-hero-brand">
          <BrandMark size={44} />
          <span>{t('app.name')}</span>
        </div>
        <p className="auth-hero-tagline">{t('app.tagline')}</p>
        <svg
          className="auth-hero-skyline"
          viewBox="0 0 400 120"
          preserveAspectRatio="xMidYMax meet"
          focusable="false"
          aria-hidden="true"
        >
          <path
            d="M0 120V84h22V60h18v24h16V40h26v80M90 120V70h20V30h24v90M142 120V56h30v64M180 120V76h14V20h8V8h4v12h8v100M222 120V62h26v58M256 120V44h20v20h16v56M300 120V80h22V50h24v70M354 120V66h18v18h28v36"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinejoin="round"
          />
        </svg>
      </aside>
      <main id="main" className="auth-main">
        <div className="auth-card">
          <div className="auth-card-brand">
            <BrandMark size={36} />
            <span>{t('app.name')}</span>
          </div>
          <h1>{title}</h1>
          <p className="auth-subtitle">{subtitle}</p>
          {children}
        </div>
      </main>
    </div>
  );
}
