import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useAuth } from '../auth/index.ts';
import { useCity } from '../city/CityProvider.tsx';
import { BrandMark, Icon } from '../components/Icon.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { localized, useI18n } from '../i18n/index.ts';
import { Link, useLocation } from '../router/index.ts';
import { navItems } from './nav.ts';

/** The signed-in frame: top bar (brand, navigation, language, user, sign-out), main area, footer. */
export function AppLayout({ children }: { children: ReactNode }) {
  const { t, lang } = useI18n();
  const { user, logout } = useAuth();
  const city = useCity();
  const { pathname } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const navId = useId();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // On every in-app navigation: close the phone menu and move focus to the new page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `pathname` is the trigger, not an input.
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const items = navItems(user?.roles ?? []);
  const cityName = city.data ? localized(city.data.name, lang) : '';
  const displayName = user ? user.displayName || user.username : '';

  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label={t('app.homeLink')}>
            <BrandMark size={32} />
            <span className="brand-text">{t('app.name')}</span>
            <span className="brand-short" aria-hidden="true">
              {t('app.shortName')}
            </span>
          </Link>
          {cityName ? (
            <span className="topbar-city" data-testid="city-name">
              {cityName}
            </span>
          ) : null}

          <button
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls={navId}
            aria-label={menuOpen ? t('nav.closeMenu') : t('nav.openMenu')}
            data-testid="menu-button"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <Icon name={menuOpen ? 'close' : 'menu'} size={22} />
            <span className="menu-button-text">{t('nav.menu')}</span>
          </button>

          <nav id={navId} className={menuOpen ? 'main-nav is-open' : 'main-nav'} aria-label={t('nav.primary')}>
            <ul>
              {items.map((item) => {
                const current = item.match(pathname);
                return (
                  <li key={item.id}>
                    <Link
                      to={item.route}
                      className={current ? 'nav-link is-current' : 'nav-link'}
                      aria-current={current ? 'page' : undefined}
                      data-testid={`nav-${item.id}`}
                    >
                      <Icon name={item.icon} size={18} />
                      <span>{t(item.labelKey)}</span>
                    </Link>
                  </li>
                );
              })}
            </ul>
            {user ? (
              <p className="nav-user">
                <Icon name="user" size={16} /> {displayName}
              </p>
            ) : null}
          </nav>

          <div className="topbar-tools">
            <LangSwitch />
            {user ? (
              <span className="user-chip" data-testid="user-name" title={t('auth.signedInAs', { name: displayName })}>
                <Icon name="user" size={18} />
                <span className="user-chip-name">{displayName}</span>
              </span>
            ) : null}
            <button
              type="button"
              className="logout-button"
              data-testid="logout"
              aria-label={t('auth.logoutLabel')}
              title={t('auth.logoutLabel')}
              onClick={logout}
            >
              <Icon name="logout" size={18} />
              <span className="logout-text">{t('auth.logout')}</span>
            </button>
          </div>
        </div>
      </header>
      {menuOpen ? <div className="nav-backdrop" aria-hidden="true" onClick={() => setMenuOpen(false)} /> : null}

      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        {children}
      </main>

      <footer className="footer">
        <span>{t('app.footer')}</span>
        {cityName ? <span className="footer-city">{cityName}</span> : null}
      </footer>
    </div>
  );
}
