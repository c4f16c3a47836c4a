/** Open311 response formats: the `.json` / `.xml` suffix of the path, else the Accept header, else XML (the spec's required format). */
import { toSpark, toXml, type XmlValue } from './xml.ts';

export type Format = 'json' | 'xml';

export const CONTENT_TYPE: Readonly<Record<Format, string>> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** The media types of the formats, as Service Discovery lists them. */
export const MEDIA_TYPES: readonly string[] = ['text/xml', 'application/json'];

const SUFFIX = /\.(json|xml)$/i;

/** Splits `pothole.json` into `pothole` and `json`; a segment without a known suffix has no format. */
export function splitSuffix(segment: string): { name: string; format: Format | undefined } {
  const match = SUFFIX.exec(segment);
  if (!match) return { name: segment, format: undefined };
  return { name: segment.slice(0, match.index), format: (match[1] as string).toLowerCase() as Format };
}

/**
 * The format to answer in. GeoReport v2 asks for the format as the path's suffix; a path without one
 * answers JSON when the Accept header prefers `application/json` (or any `+json`) to XML, and XML otherwise.
 */
export function formatOf(url: string, accept: string | undefined): Format {
  const pathname = url.split('?')[0] ?? '';
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A malformed percent-encoding is refused elsewhere; the suffix test reads the raw text.
  }
  const { format } = splitSuffix(decoded);
  return format ?? negotiate(accept);
}

function negotiate(accept: string | undefined): Format {
  if (!accept) return 'xml';
  let json = -1;
  let xml = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const quality = Number.isFinite(q) ? q : 0;
    if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) json = Math.max(json, quality);
    if (type === 'text/xml' || type === 'application/xml') xml = Math.max(xml, quality);
  }
  return json > 0 && json > xml ? 'json' : 'xml';
}

/** The body of a response in one format: `root` names the XML root element; JSON is the Spark mapping of the same value. */
export function render(format: Format, root: string, value: XmlValue): string {
  return format === 'xml' ? toXml(root, value) : JSON.stringify(toSpark(value));
}
