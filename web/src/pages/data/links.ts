/** Addresses of the City data page: `/data?type=…&q=…&page=…` and `/data/<encoded entity id>`. */
export const DATA_ROUTE = '/data';

export interface DataQuery {
  type?: string;
  q?: string;
  page?: number;
}

export function dataHref(view: DataQuery = {}): string {
  const params = new URLSearchParams();
  if (view.type) params.set('type', view.type);
  if (view.q) params.set('q', view.q);
  if (view.page && view.page > 1) params.set('page', String(view.page));
  const query = params.toString();
  return query ? `${DATA_ROUTE}?${query}` : DATA_ROUTE;
}

export function entityHref(id: string): string {
  return `${DATA_ROUTE}/${encodeURIComponent(id)}`;
}

/** The entity id of `/data/<encoded id>`, or null for the browser itself. */
export function entityIdAt(pathname: string): string | null {
  if (!pathname.startsWith(`${DATA_ROUTE}/`)) return null;
  const encoded = pathname.slice(DATA_ROUTE.length + 1);
  if (!encoded) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

export function readView(search: URLSearchParams): Required<DataQuery> {
  const page = Number.parseInt(search.get('page') ?? '1', 10);
  return {
    type: search.get('type') ?? '',
    q: search.get('q') ?? '',
    page: Number.isFinite(page) && page > 1 ? page : 1,
  };
}
