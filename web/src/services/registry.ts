/**
 * The city's services as shown on the home page ("unified entry") and in the navigation.
 * Each capability of CityCloud adds (or flips to `available`) its own entry here:
 *   - `route`: where it lives in the portal; a `coming` entry's route shows a "coming soon" page;
 *   - `roles`: who sees it (`'all'` = every signed-in user); admins see every service;
 *   - `icon`: a name from components/Icon.tsx (inline SVG, works offline);
 *   - `nameKey` / `descKey`: dictionary keys in i18n/zh.ts and i18n/en.ts.
 */
import type { Role } from '../api/types.ts';
import type { IconName } from '../components/Icon.tsx';
import type { MessageKey } from '../i18n/index.ts';

export type ServiceStatus = 'available' | 'coming';

export interface ServiceEntry {
  id: string;
  route: string;
  icon: IconName;
  roles: readonly Role[] | 'all';
  status: ServiceStatus;
  nameKey: MessageKey;
  descKey: MessageKey;
}

const STAFF: readonly Role[] = ['officer', 'operator'];

export const SERVICES: readonly ServiceEntry[] = [
  {
    id: 'data',
    route: '/data',
    icon: 'data',
    roles: [...STAFF, 'developer'],
    status: 'available',
    nameKey: 'service.data.name',
    descKey: 'service.data.desc',
  },
  {
    id: 'requests',
    route: '/requests',
    icon: 'requests',
    // Citizens report and follow; officers work their department's queue; the statistics page is public (App.tsx).
    roles: 'all',
    status: 'available',
    nameKey: 'service.requests.name',
    descKey: 'service.requests.desc',
  },
  {
    id: 'operations',
    route: '/overview',
    icon: 'operations',
    // The operations centre's wall screen. Not for citizens: it shows emergency units on call and the opinion feed,
    // and the hub would show a citizen only the city's open data anyway; a public "city today" page is another service.
    roles: STAFF,
    status: 'available',
    nameKey: 'service.operations.name',
    descKey: 'service.operations.desc',
  },
  {
    id: 'command',
    route: '/command',
    icon: 'command',
    // The command center acts (acknowledges, dispatches, edits rules): operators and admins only.
    roles: ['operator'],
    status: 'available',
    nameKey: 'service.command.name',
    descKey: 'service.command.desc',
  },
  {
    id: 'insight',
    route: '/insight',
    icon: 'insight',
    // Dashboards, what-if and the forecasting tool are for the city's staff; developers see the same open indicators.
    roles: [...STAFF, 'developer'],
    status: 'available',
    nameKey: 'service.insight.name',
    descKey: 'service.insight.desc',
  },
  {
    id: 'catalog',
    route: '/catalog',
    icon: 'catalog',
    roles: 'all',
    status: 'coming',
    nameKey: 'service.catalog.name',
    descKey: 'service.catalog.desc',
  },
  {
    id: 'market',
    route: '/market',
    icon: 'market',
    roles: ['enterprise', 'developer', 'officer'],
    status: 'coming',
    nameKey: 'service.market.name',
    descKey: 'service.market.desc',
  },
  {
    id: 'assistant',
    route: '/assistant',
    icon: 'assistant',
    roles: 'all',
    status: 'coming',
    nameKey: 'service.assistant.name',
    descKey: 'service.assistant.desc',
  },
  {
    id: 'planning',
    route: '/planning',
    icon: 'planning',
    roles: ['officer'],
    status: 'coming',
    nameKey: 'service.planning.name',
    descKey: 'service.planning.desc',
  },
  {
    id: 'devices',
    route: '/devices',
    icon: 'devices',
    // Operators and admins manage every device; officers those of their department (the API enforces it).
    roles: ['operator', 'officer'],
    status: 'available',
    nameKey: 'service.devices.name',
    descKey: 'service.devices.desc',
  },
  {
    id: 'admin',
    route: '/admin',
    icon: 'admin',
    roles: ['admin'],
    status: 'available',
    nameKey: 'service.admin.name',
    descKey: 'service.admin.desc',
  },
];

/** Whether a user with `roles` may see and open `service`. Admins see every service. */
export function canUse(service: ServiceEntry, roles: readonly Role[]): boolean {
  if (roles.includes('admin')) return true;
  if (service.roles === 'all') return roles.length > 0;
  return roles.some((role) => (service.roles as readonly Role[]).includes(role));
}

export function servicesFor(roles: readonly Role[]): ServiceEntry[] {
  return SERVICES.filter((service) => canUse(service, roles));
}

/** The service whose route is `pathname` or a parent of it. */
export function serviceAt(pathname: string): ServiceEntry | undefined {
  return SERVICES.find((service) => pathname === service.route || pathname.startsWith(`${service.route}/`));
}
