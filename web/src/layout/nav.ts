import type { Role } from '../api/types.ts';
import type { IconName } from '../components/Icon.tsx';
import type { MessageKey } from '../i18n/index.ts';
import { isUnder } from '../router/index.ts';
import { servicesFor } from '../services/registry.ts';

export interface NavItem {
  id: string;
  route: string;
  icon: IconName;
  labelKey: MessageKey;
  match: (pathname: string) => boolean;
}

/**
 * The top navigation for a user: Home, then every *available* service the user's roles allow.
 * Services still "coming soon" are reached from the home page's grid, so the bar stays short.
 */
export function navItems(roles: readonly Role[]): NavItem[] {
  const home: NavItem = {
    id: 'home',
    route: '/',
    icon: 'home',
    labelKey: 'nav.home',
    match: (pathname) => pathname === '/',
  };
  return [
    home,
    ...servicesFor(roles)
      .filter((service) => service.status === 'available')
      .map<NavItem>((service) => ({
        id: service.id,
        route: service.route,
        icon: service.icon,
        labelKey: service.nameKey,
        match: (pathname) => isUnder(pathname, service.route),
      })),
  ];
}
