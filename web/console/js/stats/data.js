// What the statistics dashboard computes besides drawing: the periods of its presets in the
// municipality's local days, working minutes as hours and minutes, the queue that matches a row
// of the report (drill-down), the series of a period with its empty days, and the CSV download.
import { idToken, refresh } from '../auth.js';
import { language, t } from '../i18n.js';
import { href } from '../router.js';

export const PRESETS = ['this_week', 'last_week', 'this_month', 'last_month', 'last_30_days', 'this_year', 'custom'];
//: The dimensions a report may be grouped by (GET /v1/admin/stats `group_by`).
export const DIMENSIONS = ['department', 'category', 'channel', 'type', 'status', 'assignee', 'area'];
//: What the table, the key figures and the bars ask for.
export const FIGURES = ['opened', 'resolved', 'first_reaction_count', 'first_reaction_median', 'first_reaction_p90',
  'resolution_count', 'resolution_median', 'resolution_p90'];
//: A period up to this many days is drawn day by day, a longer one month by month.
export const DAILY_UP_TO = 62;
//: Dimensions the queue has a filter of the same name for.
const QUEUE_FILTERS = new Set(['department', 'category', 'channel', 'type', 'status', 'assignee']);

const DAY = 86400000;

function parseDay(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function validDay(text) {
  return typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(parseDay(text).getTime())
    && isoDay(parseDay(text)) === text;
}

/** Today in the municipality's time zone (`YYYY-MM-DD`). */
export function today(timeZone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date());
  } catch {
    return isoDay(new Date());
  }
}

/** The first and last day (both included) of a preset, ending today at the latest. */
export function presetPeriod(preset, todayText) {
  const now = parseDay(todayText);
  const weekday = (now.getUTCDay() + 6) % 7; // Monday 0
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (preset) {
    case 'this_week': return { from: isoDay(new Date(now - weekday * DAY)), to: todayText };
    case 'last_week': {
      const monday = new Date(now - (weekday + 7) * DAY);
      return { from: isoDay(monday), to: isoDay(new Date(monday.getTime() + 6 * DAY)) };
    }
    case 'last_month':
      return { from: isoDay(new Date(Date.UTC(y, m - 1, 1))), to: isoDay(new Date(Date.UTC(y, m, 0))) };
    case 'last_30_days': return { from: isoDay(new Date(now - 29 * DAY)), to: todayText };
    case 'this_year': return { from: `${y}-01-01`, to: todayText };
    case 'this_month':
    default: return { from: isoDay(new Date(Date.UTC(y, m, 1))), to: todayText };
  }
}

export function periodDays(from, to) {
  return Math.round((parseDay(to) - parseDay(from)) / DAY) + 1;
}

/** Every day (or month, `YYYY-MM`) of the period, in order: the x axis of the series. */
export function periodSteps(from, to, step) {
  const out = [];
  if (step === 'day') {
    for (let d = parseDay(from); d <= parseDay(to); d = new Date(d.getTime() + DAY)) out.push(isoDay(d));
    return out;
  }
  const end = to.slice(0, 7);
  let [y, m] = from.slice(0, 7).split('-').map(Number);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= end) return out;
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
}

function locale() {
  const lang = language();
  return lang === 'sr-Cyrl' ? 'sr-Cyrl-RS' : lang === 'sr-Latn' ? 'sr-Latn-RS' : lang;
}

/** A day or month of the report as the staff member reads it. */
export function stepLabel(step, value, options = {}) {
  const date = parseDay(value.length === 7 ? `${value}-01` : value);
  const format = step === 'month' ? { month: 'long', year: 'numeric' } : { day: 'numeric', month: 'short', ...options };
  return new Intl.DateTimeFormat(locale(), { ...format, timeZone: 'UTC' }).format(date);
}

export function periodLabel(from, to) {
  const format = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' });
  return from === to ? format.format(parseDay(from)) : format.formatRange(parseDay(from), parseDay(to));
}

/** Working minutes as "3 hours 20 minutes" (plural forms of the language); null as a dash. */
export function duration(minutes) {
  if (minutes === null || minutes === undefined) return t('stats.duration.none');
  const total = Math.round(Number(minutes));
  if (total < 60) return t('stats.duration.minutes', { count: total });
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (!rest) return t('stats.duration.hours', { count: hours });
  return t('stats.duration.hours_minutes', { hours: t('stats.duration.hours', { count: hours }),
    minutes: t('stats.duration.minutes', { count: rest }) });
}

/** The queue's filters (`#/cases?...`) of the cases a report row counts, and the dimensions the
 * queue cannot filter by (`approximate`: the link shows more cases than the row counts). */
export function drillDown(dimensions, period, department) {
  const query = { state: 'all', from: period.from, to: period.to };
  if (department) query.department = department;
  const approximate = [];
  for (const [name, { id }] of Object.entries(dimensions || {})) {
    if (name === 'day') {
      query.from = id;
      query.to = id;
    } else if (name === 'month') {
      const last = isoDay(new Date(Date.UTC(Number(id.slice(0, 4)), Number(id.slice(5, 7)), 0)));
      query.from = `${id}-01` > period.from ? `${id}-01` : period.from;
      query.to = last < period.to ? last : period.to;
    } else if (QUEUE_FILTERS.has(name) && id) {
      query[name] = id;
    } else {
      approximate.push(name);
    }
  }
  return { link: href('/cases', query), approximate };
}

/** The file name of a `Content-Disposition` header (`filename*` or `filename`). */
export function attachmentName(header, fallback) {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try { return decodeURIComponent(star[1].trim()); } catch { /* the plain name below */ }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : fallback;
}

/** GET /v1/admin/stats?format=csv with the staff member's token, saved as the file the API names. */
export async function downloadCsv(query) {
  const target = new URL('/v1/admin/stats', window.location.origin);
  for (const [name, value] of Object.entries({ ...query, format: 'csv', lang: language() })) {
    if (value) target.searchParams.set(name, value);
  }
  const ask = async () => fetch(target, { headers: { Authorization: await idToken(), 'Accept-Language': language() } });
  let answer = await ask();
  if (answer.status === 401) {
    await refresh();
    answer = await ask();
  }
  if (!answer.ok) {
    const error = new Error(`HTTP ${answer.status}`);
    error.status = answer.status;
    throw error;
  }
  const blob = await answer.blob();
  const name = attachmentName(answer.headers.get('Content-Disposition'), `civicdesk-stats-${query.from}-${query.to}.csv`);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}
