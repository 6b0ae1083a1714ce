// What the queue's filters offer and how a queue's URL maps to the API's query: the reference
// lists (categories with their departments, colleagues) read once per language and shared by the
// queue and the search screens, and the filters kept in the URL (`#/cases?status=new&...`).
import { api } from '../api.js';
import { language } from '../i18n.js';

export const OPEN_STATUSES = ['new', 'in_progress', 'waiting_for_citizen', 'referred'];
export const CLOSED_STATUSES = ['resolved', 'closed', 'cancelled'];
export const TYPES = ['signal', 'complaint', 'request', 'suggestion', 'information', 'letter', 'foi_request'];
export const CHANNELS = ['phone', 'email', 'web', 'app', 'sms', 'letter', 'in_person', 'open311'];
export const PAGE_SIZES = ['25', '50', '100'];
//: The queue's filters as the URL and a saved view keep them (the API's query parameters, but
//: the period as local dates: `from`/`to` become RFC 3339 instants when the API is asked).
export const FILTERS = ['department', 'assignee', 'state', 'status', 'type', 'channel', 'category',
  'from', 'to', 'order', 'limit'];
//: Seconds between automatic refreshes of the page on screen.
export const REFRESH_SECONDS = 45;

const cache = new Map();

function once(key, load) {
  if (!cache.has(key)) {
    const promise = load().catch((error) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

/** Categories (with their department's id and name) in the console's language, from the public
 * list (one answer, cached by the browser and here). */
export function categories() {
  const lang = language();
  return once(`categories:${lang}`, () => fetch(`/v1/public/categories?lang=${encodeURIComponent(lang)}`)
    .then((answer) => {
      if (!answer.ok) throw new Error(`categories: HTTP ${answer.status}`);
      return answer.json();
    })
    .then((body) => body.categories.map((c) => ({ id: c.id, name: c.name, group: c.group_name,
      department: c.department, departmentName: c.department_name }))
      .sort((a, b) => a.name.localeCompare(b.name, lang))));
}

/** Colleagues one may filter by (GET /v1/admin/staff; the server limits an agent to theirs). */
export function colleagues() {
  return once('staff', () => api.get('/v1/admin/staff').then((body) => body.items
    .map((m) => ({ username: m.username, name: m.name || m.username, departments: m.departments }))
    .sort((a, b) => a.name.localeCompare(b.name, language()))));
}

/** The departments a staff member may pick: an agent's own, everyone else's every department a
 * category routes to (and any of their own). */
export function departmentChoices(me, cats, limited) {
  const names = new Map();
  if (!limited) for (const c of cats) names.set(c.department, c.departmentName);
  for (const d of me.departments || []) names.set(d.id, d.name);
  return [...names].map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name, language()));
}

/** The filters of a route's query: only the queue's own names, empty values dropped. */
export function filtersOf(query) {
  const filters = {};
  for (const name of FILTERS) if (query[name]) filters[name] = query[name];
  return filters;
}

function instant(date, endOfDay) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return date; // a saved view's instant, as it is
  const local = new Date(`${date}T${endOfDay ? '23:59:59.999' : '00:00:00'}`);
  return local.toISOString();
}

function localDate(value) {
  if (!value || /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The API's query for the URL's filters (the period's days as instants of the local day). */
export function apiQuery(filters) {
  const query = { ...filters };
  if (query.from) query.from = instant(query.from, false);
  if (query.to) query.to = instant(query.to, true);
  return query;
}

/** A saved view's filters as the URL keeps them (instants back to local days). */
export function urlFilters(saved) {
  const filters = filtersOf(saved || {});
  if (filters.from) filters.from = localDate(filters.from);
  if (filters.to) filters.to = localDate(filters.to);
  return filters;
}

/** The same filters, whatever their order: to compare the URL with a saved view. */
export function sameFilters(a, b) {
  const key = (f) => JSON.stringify(FILTERS.map((name) => f[name] || ''));
  return key(urlFilters(a)) === key(urlFilters(b));
}

export const CASE_NUMBER = /^\d{4}-\d{6}$/;
