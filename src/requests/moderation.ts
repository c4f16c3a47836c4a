/** Moderation of citizen text: personal data masked in the public view, and HTML markup refused. */

/** 18-digit resident ID-card numbers (the last may be X), not inside a longer run of digits. */
const ID_CARD = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Mobiles (1[3-9] and 9 digits, spaces or dashes allowed as 3-4-4), with or without +86 / 0086. */
const MOBILE = /(?<!\d)(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)/g;
/** Landlines: area code 0xx or 0xxx, a dash, space or parentheses, then 7 or 8 digits; also +86 area codes without the 0. */
const LANDLINE = /(?<!\d)(?:(?:(?:\+|00)86[\s-]?)(?:\(?[1-9]\d{1,2}\)?)|\(?0[1-9]\d{1,2}\)?)[\s-]?\d{7,8}(?!\d)/g;

export const MASKS = {
  idCard: '[身份证号已隐藏]',
  email: '[邮箱已隐藏]',
  phone: '[电话已隐藏]',
} as const;

/**
 * Masks phone numbers, ID-card numbers and e-mail addresses for the public view.
 * @example maskPersonalData('联系我 13812345678') === '联系我 [电话已隐藏]'
 */
export function maskPersonalData(text: string): string {
  return text.replace(ID_CARD, MASKS.idCard).replace(EMAIL, MASKS.email).replace(MOBILE, MASKS.phone).replace(LANDLINE, MASKS.phone);
}

/** A tag-like `<`: a letter, `/`, `!` or `?` right after it (`<script>`, `</b>`, `<!--`, `<img onerror=…>`); "<3" and "a < b" are fine. */
const MARKUP = /<[A-Za-z/!?]/;

/** Whether the text contains HTML markup (refused: descriptions are plain text). */
export function containsMarkup(text: string): boolean {
  return MARKUP.test(text);
}
