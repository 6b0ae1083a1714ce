// The frame every page of the portal shares: the skip link, the header (brand, main menu,
// language menu), the footer and the live region that announce() speaks through. A page holds
// empty <header class="site-header"> and <footer class="site-footer"> landmarks and names
// itself in <body data-page="...">; its script calls renderLayout() first, before it translates
// the page: every text here is a data-i18n key that the page's applyStaticTexts() fills in.

import { h } from './dom.js';
import { accountMenuItem } from './account-menu.js';

/** The main menu. The API description is for developers: only its own page lists it. */
const MENU = [
  { href: 'index.html', key: 'navReport', keepLang: true },
  { href: 'track.html', key: 'navTrack', keepLang: true },
  { href: 'stats.html', key: 'navStats', keepLang: true },
  { href: 'alerts.html', key: 'navAlerts', keepLang: true },
  { href: 'reports.html', key: 'navMap', keepLang: true },
  accountMenuItem(), // "Sign in" or "My account" (citizen accounts, account-menu.js)
  { href: 'api.html', key: 'navApi', keepLang: false, onlyOnItsPage: true },
];

function menuItem(item, current) {
  const here = item.href === current;
  if (item.onlyOnItsPage && !here) return null;
  return h('li', {},
    h('a', {
      href: item.href,
      'aria-current': here ? 'page' : null,
      'data-keep-lang': item.keepLang ? '' : null,
      'data-i18n': item.key,
    }));
}

function header(current) {
  return h('div', { class: 'wrap header-inner' },
    h('p', { class: 'brand' },
      h('a', { href: 'index.html', id: 'muni-name', 'data-keep-lang': '' }, 'CivicDesk')),
    h('nav', { class: 'site-nav', 'aria-label': 'Main menu', 'data-i18n-aria-label': 'navLabel' },
      h('ul', {}, MENU.map((item) => menuItem(item, current)))),
    h('div', { class: 'lang-switch' },
      h('label', { for: 'lang-select', 'data-i18n': 'langLabel' }),
      h('select', { id: 'lang-select', autocomplete: 'off' })));
}

/**
 * Draws the shared frame: the skip link first in the page, the header and the footer into
 * their landmarks, and the live region last (before anything is announced through it).
 */
export function renderLayout() {
  const current = document.body.dataset.page;
  document.body.prepend(h('a', { class: 'skip-link', href: '#main', 'data-i18n': 'skipLink' }));
  document.querySelector('body > header.site-header').replaceChildren(header(current));
  document.querySelector('body > footer.site-footer').replaceChildren(
    h('div', { class: 'wrap' }, h('p', { 'data-i18n': 'footerText' })));
  document.body.append(h('div', {
    id: 'live', class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true',
  }));
}
