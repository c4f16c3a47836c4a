export { Link, type LinkProps } from './Link.tsx';
export { Redirect } from './Redirect.tsx';
export { isUnder, type Location, navigate, normalize, safeNext, useLocation } from './router.ts';
