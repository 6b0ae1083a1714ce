// stats.html: the open data of GET /v1/public/stats as tables a citizen can read (cases opened
// and resolved by category and month, changes of status by month, the median working time to
// resolve per category). Small counts are held back by the API (`suppressed`) and shown as
// "fewer than N"; a median needs enough resolutions. Only public case types are counted.

import { h } from './dom.js';
import { page, startPage, announce } from './page.js';
import { intlLocale } from './i18n.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(window.location.search);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const from = DAY.test(query.get('from') || '') ? query.get('from') : '';
const to = DAY.test(query.get('to') || '') ? query.get('to') : '';
let answer = null;

async function loadStats(lang) {
  const params = new URLSearchParams({ lang });
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  const response = await fetch(`/v1/public/stats?${params}`, { headers: { Accept: 'application/json' }, referrerPolicy: 'no-referrer' });
  if (!response.ok) throw new Error(`stats: HTTP ${response.status}`);
  return response.json();
}

/** The plural form of `key` for `count` (keys `<key>_one`, `_few`, `_many`, `_other`). */
function plural(key, count) {
  const rules = new Intl.PluralRules(page.lang.startsWith('sr') ? 'sr' : page.lang);
  return page.t(`${key}_${rules.select(count)}`, { count: formatNumber(count) });
}

function formatNumber(value) {
  return new Intl.NumberFormat(intlLocale(page.lang)).format(value);
}

function monthName(month) {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(page.lang), { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, 1)));
}

function dayName(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(page.lang), { dateStyle: 'long', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** Working minutes as hours and minutes in words. */
function duration(minutes) {
  const total = Math.round(minutes);
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (!hours) return plural('statsMinutes', rest);
  if (!rest) return plural('statsHours', hours);
  return page.t('statsHoursMinutes', { hours: plural('statsHours', hours), minutes: plural('statsMinutes', rest) });
}

function countCell(item) {
  if (item.suppressed || item.count === null) {
    return h('td', { class: 'numeric suppressed' }, page.t('statsFewer', { n: formatNumber(answer.minimum_count) }));
  }
  return h('td', { class: 'numeric' }, formatNumber(item.count));
}

/** A table with a row per `key` (category or status) and a column per month. */
function monthTable(items, keyName, caption) {
  if (!items.length) return h('p', { class: 'notice' }, page.t('statsNothing'));
  const months = [...new Set(items.map((i) => i.month))].sort();
  const rows = new Map();
  for (const item of items) {
    const key = item[keyName];
    if (!rows.has(key.id)) rows.set(key.id, { name: key.name, cells: {} });
    rows.get(key.id).cells[item.month] = item;
  }
  const sorted = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name, intlLocale(page.lang)));
  return h('table', { class: 'stats-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, page.t(keyName === 'status' ? 'statsStatus' : 'categoryLabel')),
      months.map((m) => h('th', { scope: 'col', class: 'numeric' }, monthName(m))))),
    h('tbody', {}, sorted.map((row) => h('tr', {},
      h('th', { scope: 'row' }, row.name),
      months.map((m) => (row.cells[m] ? countCell(row.cells[m]) : h('td', { class: 'numeric' }, formatNumber(0))))))));
}

function resolutionTable(items) {
  if (!items.length) return h('p', { class: 'notice' }, page.t('statsNothing'));
  const sorted = items.slice().sort((a, b) => a.category.name.localeCompare(b.category.name, intlLocale(page.lang)));
  return h('table', { class: 'stats-table' },
    h('caption', { class: 'visually-hidden' }, page.t('statsResolutionTitle')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, page.t('categoryLabel')),
      h('th', { scope: 'col', class: 'numeric' }, page.t('statsResolvedCount')),
      h('th', { scope: 'col', class: 'numeric' }, page.t('statsMedian')))),
    h('tbody', {}, sorted.map((item) => h('tr', {},
      h('th', { scope: 'row' }, item.category.name),
      item.resolved === null || item.suppressed
        ? h('td', { class: 'numeric suppressed' }, page.t('statsFewer', { n: formatNumber(answer.minimum_count) }))
        : h('td', { class: 'numeric' }, formatNumber(item.resolved)),
      item.median_working_minutes === null || item.median_working_minutes === undefined
        ? h('td', { class: 'numeric suppressed' }, page.t('statsNoMedian', { n: formatNumber(answer.minimum_for_median) }))
        : h('td', { class: 'numeric' }, duration(item.median_working_minutes))))));
}

function render(data) {
  answer = data;
  $('period-lang').value = page.lang;
  $('period-from').value = data.from;
  $('period-to').value = data.to;
  $('stats-period').textContent = page.t('statsPeriod', { from: dayName(data.from), to: dayName(data.to) });
  $('stats-rules').textContent = page.t('statsRules', { n: formatNumber(data.minimum_count), m: formatNumber(data.minimum_for_median) });
  $('opened-table').replaceChildren(monthTable(data.opened, 'category', page.t('statsOpenedTitle')));
  $('resolved-table').replaceChildren(monthTable(data.resolved, 'category', page.t('statsResolvedTitle')));
  $('status-table').replaceChildren(monthTable(data.status_changes, 'status', page.t('statsStatusTitle')));
  $('resolution-table').replaceChildren(resolutionTable(data.resolution));
  const link = new URLSearchParams({ from: data.from, to: data.to, lang: page.lang });
  $('open-data').setAttribute('href', `/v1/public/stats?${link}`);
  $('stats').hidden = false;
  announce(page.t('statsLoaded', { from: dayName(data.from), to: dayName(data.to) }));
}

startPage({ titleKey: 'statsTitle', loadData: loadStats, render });
