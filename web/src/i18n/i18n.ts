/** Language state that lives outside React: the stored choice, `<html lang>`, and message formatting. */
import { en } from './en.ts';
import { type MessageKey, zh } from './zh.ts';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const DEFAULT_LANG: Lang = 'zh';

export type MessageParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: MessageParams) => string;

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { zh, en };
const HTML_LANG: Record<Lang, string> = { zh: 'zh-CN', en: 'en' };
/** BCP 47 tag used for `Accept-Language` and `Intl` formatting. */
export const LOCALE: Record<Lang, string> = { zh: 'zh-CN', en: 'en-GB' };
const STORAGE_KEY = 'citycloud.lang';

let current: Lang = DEFAULT_LANG;

export function isLang(value: unknown): value is Lang {
  return value === 'zh' || value === 'en';
}

export function readStoredLang(): Lang {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLang(stored) ? stored : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

/** Records the language (storage + `<html lang>`); the API client reads it for `Accept-Language`. */
export function applyLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = HTML_LANG[lang];
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode or storage disabled: the choice simply is not remembered.
  }
}

export function currentLang(): Lang {
  return current;
}

/** Looks a key up and fills `{placeholders}`; an unknown placeholder is left visible so it gets noticed. */
export function translate(lang: Lang, key: MessageKey, params?: MessageParams): string {
  const template = DICTIONARIES[lang][key] ?? DICTIONARIES[DEFAULT_LANG][key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Whether a dictionary key exists (for data-driven keys such as audit actions). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(zh, key);
}

/** Picks the right half of a `{ zh, en }` pair coming from the server. */
export function localized(text: { zh: string; en: string } | null | undefined, lang: Lang): string {
  if (!text) return '';
  return (lang === 'en' ? text.en : text.zh) || text.zh || text.en;
}
