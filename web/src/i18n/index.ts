export { formatDateTime, formatNumber, cityHour, CITY_TIME_ZONE } from './format.ts';
export {
  applyLang,
  currentLang,
  hasMessage,
  LANGS,
  type Lang,
  localized,
  LOCALE,
  type MessageParams,
  readStoredLang,
  type Translate,
  translate,
} from './i18n.ts';
export { type I18nValue, I18nProvider, useI18n } from './I18nProvider.tsx';
export type { MessageKey } from './zh.ts';
