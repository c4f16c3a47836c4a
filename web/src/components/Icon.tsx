/**
 * Inline SVG icons (24×24, stroked with `currentColor`): no icon font, no network.
 * Add an icon by adding a name and its drawing to ICONS.
 */
import type { ReactElement } from 'react';

const ICONS = {
  data: (
    <>
      <ellipse cx="12" cy="5.5" rx="7.5" ry="2.75" />
      <path d="M4.5 5.5v13c0 1.5 3.4 2.75 7.5 2.75s7.5-1.25 7.5-2.75v-13" />
      <path d="M4.5 12c0 1.5 3.4 2.75 7.5 2.75s7.5-1.25 7.5-2.75" />
    </>
  ),
  requests: (
    <>
      <path d="M20.5 11.5a8.5 8.5 0 0 1-12.3 7.6L3.5 20.5l1.3-4.4A8.5 8.5 0 1 1 20.5 11.5z" />
      <path d="M12 7.5v4.5" />
      <path d="M12 15.5h.01" />
    </>
  ),
  operations: (
    <>
      <rect x="3" y="4" width="18" height="13" rx="2" />
      <path d="M7 13l3-3.5 3 2.5 4-5" />
      <path d="M9 21h6M12 17v4" />
    </>
  ),
  command: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <circle cx="12" cy="12" r="4.5" />
      <circle cx="12" cy="12" r="1" />
      <path d="M12 1.5v3.5M12 19v3.5M1.5 12H5M19 12h3.5" />
    </>
  ),
  insight: (
    <>
      <path d="M9 18h6M10 21h4" />
      <path d="M12 3a6 6 0 0 0-3.6 10.8c.6.5 1 1.2 1.1 2V16h5v-.2c.1-.8.5-1.5 1.1-2A6 6 0 0 0 12 3z" />
    </>
  ),
  catalog: (
    <>
      <path d="M5 4.5A1.5 1.5 0 0 1 6.5 3H19v15H6.5A1.5 1.5 0 0 0 5 19.5z" />
      <path d="M5 19.5A1.5 1.5 0 0 0 6.5 21H19v-3" />
      <path d="M9 7.5h6M9 11h6" />
    </>
  ),
  market: (
    <>
      <path d="M4 9l1.5-5h13L20 9" />
      <path d="M4 9a2.67 2.67 0 0 0 5.33 0a2.67 2.67 0 0 0 5.34 0A2.67 2.67 0 0 0 20 9" />
      <path d="M5 11.5V20h14v-8.5" />
      <path d="M10 20v-5h4v5" />
    </>
  ),
  assistant: (
    <>
      <path d="M4 4.5h16v11.5H10l-4.5 4v-4H4z" />
      <path d="M8.5 10.25h.01M12 10.25h.01M15.5 10.25h.01" strokeWidth="2.5" />
    </>
  ),
  planning: (
    <>
      <path d="M12 2.75l9 4.75-9 4.75-9-4.75z" />
      <path d="M3 12l9 4.75L21 12" />
      <path d="M3 16.5l9 4.75 9-4.75" />
    </>
  ),
  devices: (
    <>
      <rect x="7" y="7" width="10" height="10" rx="1.5" />
      <rect x="10" y="10" width="4" height="4" rx=".5" />
      <path d="M10 3v4M14 3v4M10 17v4M14 17v4M3 10h4M3 14h4M17 10h4M17 14h4" />
    </>
  ),
  admin: (
    <>
      <path d="M12 3l8 3v5.5c0 4.6-3.4 8.6-8 9.5-4.6-.9-8-4.9-8-9.5V6z" />
      <path d="M8.75 12l2.25 2.25 4.25-4.5" />
    </>
  ),
  home: (
    <>
      <path d="M3.5 10.5L12 3.5l8.5 7" />
      <path d="M5.5 9v11h13V9" />
      <path d="M10 20v-6h4v6" />
    </>
  ),
  menu: <path d="M4 6.5h16M4 12h16M4 17.5h16" />,
  close: <path d="M6 6l12 12M18 6L6 18" />,
  logout: (
    <>
      <path d="M9.5 20.5H5a1.5 1.5 0 0 1-1.5-1.5V5A1.5 1.5 0 0 1 5 3.5h4.5" />
      <path d="M16 16.5l4.5-4.5L16 7.5" />
      <path d="M20.5 12H9.5" />
    </>
  ),
  globe: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18" />
      <path d="M12 3c2.5 2.6 3.75 5.6 3.75 9S14.5 18.4 12 21c-2.5-2.6-3.75-5.6-3.75-9S9.5 5.6 12 3z" />
    </>
  ),
  user: (
    <>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 20.5c.8-3.8 4-6 8-6s7.2 2.2 8 6" />
    </>
  ),
  copy: (
    <>
      <rect x="8.5" y="8.5" width="12" height="12" rx="2" />
      <path d="M15.5 8.5V5a1.5 1.5 0 0 0-1.5-1.5H5A1.5 1.5 0 0 0 3.5 5v9A1.5 1.5 0 0 0 5 15.5h3.5" />
    </>
  ),
  check: <path d="M5 12.5l4.5 4.5L19 7.5" />,
  alert: (
    <>
      <path d="M12 3.5l9.5 16.5h-19z" />
      <path d="M12 10v4.5M12 17.25h.01" />
    </>
  ),
  arrowRight: <path d="M5 12h14M13 6l6 6-6 6" />,
  arrowLeft: <path d="M19 12H5M11 6l-6 6 6 6" />,
  pin: (
    <>
      <path d="M12 21s-6.5-5.6-6.5-11a6.5 6.5 0 0 1 13 0c0 5.4-6.5 11-6.5 11z" />
      <circle cx="12" cy="10" r="2.25" />
    </>
  ),
  clock: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3.5 2" />
    </>
  ),
  key: (
    <>
      <circle cx="8" cy="15" r="4.5" />
      <path d="M11.2 11.8L20 3M16.5 6.5l2.5 2.5M14 9l2 2" />
    </>
  ),
  users: (
    <>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20c.6-3.4 3.2-5.5 6.5-5.5s5.9 2.1 6.5 5.5" />
      <path d="M15.5 4.8a3.5 3.5 0 0 1 0 6.4M18 14.8c1.9.8 3.2 2.6 3.5 5.2" />
    </>
  ),
  list: <path d="M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01" />,
} satisfies Record<string, ReactElement>;

export type IconName = keyof typeof ICONS;

export interface IconProps {
  name: IconName;
  /** Pixel size (default 24); or set width/height in CSS via the `icon` class. */
  size?: number;
  className?: string;
  /** Text for screen readers; without it the icon is decorative and hidden from them. */
  label?: string;
}

export function Icon({ name, size = 24, className, label }: IconProps) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      focusable="false"
    >
      {ICONS[name]}
    </svg>
  );
}

/** The CityCloud mark: a skyline under a cloud, in a rounded square. */
export function BrandMark({ size = 32 }: { size?: number }) {
  return (
    <svg
      className="brand-mark"
      width={size}
      height={size}
      viewBox="0 0 32 32"
      aria-hidden="true"
      focusable="false"
    >
      <rect width="32" height="32" rx="8" fill="var(--c-brand-mark-bg)" />
      <path
        d="M9.5 13.5a4 4 0 0 1 7.6-1.8A3.3 3.3 0 0 1 23 13.8a2.6 2.6 0 0 1-.4 5.2H10.2a2.8 2.8 0 0 1-.7-5.5z"
        fill="var(--c-brand-mark-cloud)"
      />
      <path
        d="M6 26V19h3v-3h3v10M14 26v-8h4v8M20 26v-5h2.5v-2.5H26V26"
        fill="none"
        stroke="var(--c-brand-mark-fg)"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
      <path d="M5 26h22" stroke="var(--c-brand-mark-fg)" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}
