// Times in a page of rows: the `Intl` formatters made once per language and kept (making one
// costs about a millisecond, and a page of 50 cases shows 150 times).
import { language } from '../i18n.js';

const formatters = new Map();

function locale(lang) {
  // As i18n.js: Chromium's ICU writes Serbian in Cyrillic for `sr` and in Latin for `sr-Latn`.
  return lang === 'sr-Cyrl' ? 'sr-Cyrl-RS' : lang === 'sr-Latn' ? 'sr-Latn-RS' : lang;
}

function formatter(kind, options) {
  const lang = language();
  const key = `${kind}|${lang}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = kind === 'relative' ? new Intl.RelativeTimeFormat(locale(lang), options)
      : new Intl.DateTimeFormat(locale(lang), options);
    formatters.set(key, found);
  }
  return found;
}

export const SHORT = { dateStyle: 'medium', timeStyle: 'short' };
export const FULL = { dateStyle: 'full', timeStyle: 'medium' };

export function dateTime(value, options = SHORT) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return formatter('date', options).format(date);
}

/** "5 minutes ago", as i18n.formatRelative words it. */
export function relative(value, now = Date.now()) {
  const date = value instanceof Date ? value : new Date(value);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = formatter('relative', { numeric: 'auto' });
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}
