/**
 * A tiny History-API router: no hash, no dependency. The server answers any unknown
 * non-API path with index.html, so every route below can be opened directly or reloaded.
 */
import { useSyncExternalStore } from 'react';

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export interface NavigateOptions {
  replace?: boolean;
}

/** Goes to an in-app path such as `/admin/keys?x=1`. */
export function navigate(to: string, options: NavigateOptions = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  if (!options.replace) window.scrollTo(0, 0);
  notify();
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** pathname + search, e.g. for a `next=` parameter. */
  href: string;
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const queryAt = href.indexOf('?');
  const pathname = normalize(queryAt === -1 ? href : href.slice(0, queryAt));
  const search = new URLSearchParams(queryAt === -1 ? '' : href.slice(queryAt));
  return { pathname, search, href };
}

/** Drops a trailing slash (except for `/`) so `/admin/` and `/admin` are the same route. */
export function normalize(pathname: string): string {
  return pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') || '/' : pathname;
}

/** Whether `pathname` is `route` or below it (`/admin/keys` is under `/admin`). */
export function isUnder(pathname: string, route: string): boolean {
  if (route === '/') return pathname === '/';
  return pathname === route || pathname.startsWith(`${route}/`);
}

/** Only same-origin, in-app paths are accepted as a redirect target after sign-in. */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login') || next.startsWith('/register')) return '/';
  return next;
}
