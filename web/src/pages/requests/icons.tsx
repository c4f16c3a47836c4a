/** Inline SVG pictures of the request pages (24×24, stroked with currentColor): the categories, by service code then group, and a few controls. */
import type { ReactElement } from 'react';

const BY_CODE: Record<string, ReactElement> = {
  pothole: (
    <>
      <path d="M3 20L8 4M21 20L16 4" />
      <path d="M12 4v2.5M12 9.5v2" />
      <ellipse cx="12" cy="16.5" rx="4" ry="1.75" />
    </>
  ),
  streetlight: (
    <>
      <path d="M8 21h6M11 21V6.5a3 3 0 0 1 3-3h1.5" />
      <path d="M14.5 6h5l-1.5 3h-2z" />
      <path d="M17 12v1.5M20 11l1 1M14 11l-1 1" />
    </>
  ),
  garbage: (
    <>
      <path d="M4 6.5h16M9.5 6.5V4h5v2.5" />
      <path d="M6 6.5l1 14h10l1-14" />
      <path d="M10 10.5v6.5M14 10.5v6.5" />
    </>
  ),
  noise: (
    <>
      <path d="M4 9.5h3.5L12 5.5v13l-4.5-4H4z" />
      <path d="M15.5 9a4 4 0 0 1 0 6M18.5 6.5a7.5 7.5 0 0 1 0 11" />
    </>
  ),
  'illegal-parking': (
    <>
      <rect x="3.5" y="3.5" width="17" height="17" rx="3" />
      <path d="M9.5 17V7.5h3.25a2.75 2.75 0 0 1 0 5.5H9.5" />
      <path d="M5 19L19 5" />
    </>
  ),
};

const BY_GROUP: Record<string, string> = {
  roads: 'pothole',
  lighting: 'streetlight',
  sanitation: 'garbage',
  environment: 'noise',
  traffic: 'illegal-parking',
};

const FALLBACK = (
  <>
    <path d="M12 21s-6.5-6.1-6.5-11A6.5 6.5 0 0 1 18.5 10c0 4.9-6.5 11-6.5 11z" />
    <circle cx="12" cy="10" r="2.25" />
  </>
);

export function CategoryIcon({ code, group, size = 28 }: { code: string; group?: string; size?: number }) {
  const drawing = BY_CODE[code] ?? BY_CODE[BY_GROUP[group ?? ''] ?? ''] ?? FALLBACK;
  return (
    <svg
      className="icon category-icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {drawing}
    </svg>
  );
}

const EXTRA = {
  camera: (
    <>
      <path d="M4 7.5h3l1.5-2.5h7L17 7.5h3a1 1 0 0 1 1 1V19a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8.5a1 1 0 0 1 1-1z" />
      <circle cx="12" cy="13.25" r="3.75" />
    </>
  ),
  locate: (
    <>
      <circle cx="12" cy="12" r="6.5" />
      <circle cx="12" cy="12" r="2" />
      <path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3" />
    </>
  ),
  star: <path d="M12 3.2l2.7 5.5 6 .9-4.35 4.25 1.03 6L12 17l-5.38 2.85 1.03-6L3.3 9.6l6-.9z" />,
  bell: (
    <>
      <path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15z" />
      <path d="M10 20.5a2 2 0 0 0 4 0" />
    </>
  ),
  follow: (
    <>
      <path d="M2.5 12s3.5-6.5 9.5-6.5 9.5 6.5 9.5 6.5-3.5 6.5-9.5 6.5S2.5 12 2.5 12z" />
      <circle cx="12" cy="12" r="2.75" />
    </>
  ),
} satisfies Record<string, ReactElement>;

export type ExtraIconName = keyof typeof EXTRA;

/** Controls the shared icon set does not have (camera, locate, star, bell, follow). */
export function ExtraIcon({ name, size = 20, filled = false }: { name: ExtraIconName; size?: number; filled?: boolean }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill={filled ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {EXTRA[name]}
    </svg>
  );
}
