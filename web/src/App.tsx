import { useAuth } from './auth/index.ts';
import { hasAnyRole } from './auth/session.ts';
import { CityProvider } from './city/CityProvider.tsx';
import { AppLayout } from './layout/AppLayout.tsx';
import { AdminPage } from './pages/admin/AdminPage.tsx';
import { CommandPage } from './pages/command/CommandPage.tsx';
import { CityDataPage } from './pages/data/CityDataPage.tsx';
import { DevicesPage } from './pages/devices/DevicesPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { InsightPage } from './pages/insight/InsightPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { OverviewPage } from './pages/overview/OverviewPage.tsx';
import { RegisterPage } from './pages/RegisterPage.tsx';
import { PUBLIC_STATS_PATH, PublicFrame, RequestsPage, StatsPage } from './pages/requests/RequestsPage.tsx';
import { ComingSoonPage, ForbiddenPage, NotFoundPage } from './pages/StatusPages.tsx';
import { isUnder, Redirect, useLocation } from './router/index.ts';
import type { Session } from './auth/session.ts';
import { canUse, serviceAt } from './services/registry.ts';

/** The signed-in pages, by path. Each capability that becomes `available` adds its page here. */
function SignedInRoutes({ pathname, session }: { pathname: string; session: Session }) {
  const roles = session.user.roles;
  if (pathname === '/') return <HomePage />;

  if (isUnder(pathname, '/admin')) {
    return hasAnyRole(session.user, ['admin']) ? <AdminPage pathname={pathname} /> : <ForbiddenPage />;
  }

  const service = serviceAt(pathname);
  if (service) {
    if (!canUse(service, roles)) return <ForbiddenPage />;
    if (service.status === 'coming') return <ComingSoonPage service={service} />;
    if (service.id === 'data') return <CityDataPage pathname={pathname} />;
    if (service.id === 'devices') return <DevicesPage />;
    if (service.id === 'requests') return <RequestsPage pathname={pathname} />;
    if (service.id === 'operations' && pathname === service.route) return <OverviewPage />;
    if (service.id === 'command') return <CommandPage pathname={pathname} />;
    if (service.id === 'insight') return <InsightPage pathname={pathname} />;
  }
  return <NotFoundPage />;
}

export function App() {
  const { session } = useAuth();
  const { pathname, href } = useLocation();

  if (pathname === '/login') return session ? <Redirect to="/" /> : <LoginPage />;
  if (pathname === '/register') return session ? <Redirect to="/" /> : <RegisterPage />;

  // The statistics of citizen requests are public: signed-out visitors get them in a frame of their own.
  if (!session && pathname === PUBLIC_STATS_PATH) {
    return (
      <CityProvider>
        <PublicFrame>
          <StatsPage />
        </PublicFrame>
      </CityProvider>
    );
  }

  if (!session) {
    const next = href === '/' ? '' : `?next=${encodeURIComponent(href)}`;
    return <Redirect to={`/login${next}`} />;
  }

  return (
    <CityProvider>
      <AppLayout>
        <SignedInRoutes pathname={pathname} session={session} />
      </AppLayout>
    </CityProvider>
  );
}
