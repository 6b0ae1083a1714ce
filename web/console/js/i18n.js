// The console's texts in the five languages of the municipalities (sr-Cyrl, sr-Latn, bg, cs, en).
//
// Each screen keeps its own texts in `messages/<screen>.js` and registers them here; a text is a
// string with `{name}` placeholders, or, for a count, an object of plural forms chosen by
// `Intl.PluralRules` (`one`, `few`, `other`; Czech also `many`). A key missing in a language
// falls back to English and is reported on the browser console (a unit test keeps the five
// catalogues complete).

export const LANGUAGES = ['sr-Cyrl', 'sr-Latn', 'bg', 'cs', 'en'];
export const DEFAULT_LANGUAGE = 'sr-Cyrl';
//: Each language's name in itself, for the language menus.
export const LANGUAGE_NAMES = {
  'sr-Cyrl': 'Српски (ћирилица)', 'sr-Latn': 'Srpski (latinica)', bg: 'Български', cs: 'Čeština',
  en: 'English',
};

const catalogues = Object.fromEntries(LANGUAGES.map((lang) => [lang, {}]));
let current = DEFAULT_LANGUAGE;
const listeners = new Set();

export function register(messages) {
  for (const lang of LANGUAGES) Object.assign(catalogues[lang], messages[lang] || {});
}

export function catalogue(lang) {
  return catalogues[lang];
}

export function supported(lang) {
  if (!lang) return null;
  if (LANGUAGES.includes(lang)) return lang;
  const lower = String(lang).toLowerCase();
  if (lower === 'sr' || lower.startsWith('sr-cyrl') || lower === 'sr-rs') return 'sr-Cyrl';
  if (lower.startsWith('sr-latn')) return 'sr-Latn';
  const base = lower.split('-')[0];
  return LANGUAGES.find((l) => l === base) || null;
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  const chosen = supported(lang) || DEFAULT_LANGUAGE;
  document.documentElement.lang = chosen;
  if (chosen === current) return;
  current = chosen;
  for (const listener of listeners) listener(chosen);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const pluralRules = {};
function pluralCategory(lang, count) {
  pluralRules[lang] ||= new Intl.PluralRules(lang === 'sr-Latn' || lang === 'sr-Cyrl' ? 'sr' : lang);
  return pluralRules[lang].select(count);
}

function lookup(lang, key) {
  const found = catalogues[lang][key];
  if (found !== undefined) return found;
  if (lang !== 'en' && catalogues.en[key] !== undefined) {
    console.warn(`console text ${key} is missing in ${lang}`);
    return catalogues.en[key];
  }
  return undefined;
}

/** The text `key` in the current language, `{name}` replaced from `params`; with a `count`
 * parameter, the plural form for it. An unknown key shows as itself, so it is noticed. */
export function t(key, params = {}, lang = current) {
  let text = lookup(lang, key);
  if (text === undefined) {
    console.warn(`unknown console text ${key}`);
    return key;
  }
  if (typeof text === 'object') {
    const form = pluralCategory(lang, Number(params.count ?? 0));
    text = text[form] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function locale(lang = current) {
  // Chromium's ICU formats Serbian in Cyrillic for `sr` and in Latin for `sr-Latn`.
  return lang === 'sr-Cyrl' ? 'sr-Cyrl-RS' : lang === 'sr-Latn' ? 'sr-Latn-RS' : lang;
}

export function formatDateTime(value, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

export function formatDate(value) {
  return formatDateTime(value, { dateStyle: 'medium' });
}

export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

/** "5 minutes ago" in the current language (Intl.RelativeTimeFormat). */
export function formatRelative(value, now = Date.now()) {
  const date = value instanceof Date ? value : new Date(value);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}
