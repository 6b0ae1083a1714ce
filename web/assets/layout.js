// The frame every page of the portal shares: the skip link, the header (brand, main menu,
// language menu), the footer and the live region that announce() speaks through. A page holds
// empty <header class="site-header"> and <footer class="site-footer"> landmarks and names
// itself in <body data-page="...">; its script calls renderLayout() first, before it translates
// the page: every text here is a data-i18n key that the page's applyStaticTexts() fills in.

import { h } from './dom.js';
import { accountMenuItem } from './account-menu.js';
import { STRINGS } from './i18n.js';
import { PORTAL_STRINGS } from './portal-texts.js';

for (const [lang, texts] of Object.entries(PORTAL_STRINGS)) Object.assign(STRINGS[lang], texts);

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
  document.querySelector('body > footer.site-footer').replaceChildren(footer(current));
  document.body.append(h('div', {
    id: 'live', class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true',
  }));
}

/** The footer: how to reach the municipality (filled in by renderFooterContact once the
 * municipality is known), the privacy notice and the accessibility statement, the credit. */
function footer(current) {
  const link = (href, key) => h('li', {},
    h('a', { href, 'data-keep-lang': '', 'data-i18n': key, 'aria-current': href === current ? 'page' : null }));
  return h('div', { class: 'wrap footer-inner' },
    h('section', { class: 'footer-contact', 'aria-labelledby': 'footer-contact-title', id: 'footer-contact', hidden: true },
      h('h2', { id: 'footer-contact-title', class: 'footer-title', 'data-i18n': 'portal_contactTitle' }),
      h('dl', { id: 'footer-contact-list', class: 'footer-contact-list' })),
    h('nav', { class: 'footer-nav', 'aria-label': 'About this site', 'data-i18n-aria-label': 'portal_footerNavLabel' },
      h('ul', {}, link('privacy.html', 'portal_privacyLink'), link('accessibility.html', 'portal_accessibilityLink'))),
    h('p', { 'data-i18n': 'footerText' }));
}

/** The municipality's phone number and general address in the footer, as links. */
export function renderFooterContact(municipality, t) {
  const box = document.getElementById('footer-contact');
  const list = document.getElementById('footer-contact-list');
  if (!box || !list) return;
  const m = municipality || {};
  const rows = [];
  if (typeof m.phone === 'string' && m.phone) {
    rows.push(h('dt', { text: t('portal_phoneLabel') }),
      h('dd', {}, h('a', { href: `tel:${m.phone.replace(/[^+0-9]/g, '')}`, text: m.phone })));
  }
  if (typeof m.general_address === 'string' && m.general_address) {
    rows.push(h('dt', { text: t('emailLabel') }),
      h('dd', {}, h('a', { href: `mailto:${m.general_address}`, text: m.general_address })));
  }
  list.replaceChildren(...rows);
  box.hidden = !rows.length;
}
