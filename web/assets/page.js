// What the citizens' pages share: the language choice and switcher, the municipality header,
// static texts (elements with data-i18n), the loading/error state and the live region.
// The frame they are in (header, menu, footer) is drawn by layout.js.

import { LANGUAGES, STORAGE_KEY, t, normalizeLanguage, pickInitialLanguage } from './i18n.js';
import { getMunicipality } from './api.js';
import { h } from './dom.js';
import { renderLayout, renderFooterContact } from './layout.js';
import { titled } from './portal-title.js';

export const page = {
  lang: 'en',
  municipality: null,
  t(key, params) {
    return t(page.lang, key, params);
  },
};

function readStoredLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch (err) {
    return null; // storage disabled (privacy mode)
  }
}

function storeLanguage(lang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (err) {
    /* not fatal */
  }
}

/** Re-applies every static text of the page in page.lang. */
export function applyStaticTexts() {
  document.documentElement.lang = page.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = page.t(el.dataset.i18n);
  }
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', page.t(el.dataset.i18nAriaLabel));
  }
}

let liveTimer = null;
/** Says `text` through the page's polite live region (role=status). */
export function announce(text) {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  clearTimeout(liveTimer);
  // A short pause makes screen readers notice a repeated identical message too.
  liveTimer = setTimeout(() => {
    live.textContent = text;
  }, 60);
}

/** Moves keyboard and screen-reader focus to `el` (which carries tabindex=-1). */
export function focusElement(el) {
  if (!el) return;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: 'start', behavior: 'auto' });
}

/** A link to another page of the portal that keeps the chosen language. */
export function pageUrl(path, params) {
  const url = new URL(path, window.location.href);
  for (const [name, value] of Object.entries(params || {})) {
    if (value) url.searchParams.set(name, value);
  }
  url.searchParams.set('lang', page.lang);
  return url.pathname + url.search;
}

function renderLanguageSelect(allowed) {
  const select = document.getElementById('lang-select');
  if (!select) return;
  const options = LANGUAGES.filter((l) => allowed.includes(l.code)).map((l) =>
    h('option', { value: l.code, lang: l.code, text: l.name }),
  );
  select.replaceChildren(...options);
  select.value = page.lang;
}

function renderHeader(titleKey) {
  const m = page.municipality;
  const name = (m && typeof m.name === 'string' && m.name) || 'CivicDesk';
  const nameEl = document.getElementById('muni-name');
  if (nameEl) nameEl.textContent = name;
  document.title = titled(page.t(titleKey), name, page.t);
  renderFooterContact(m, page.t);
  for (const a of document.querySelectorAll('a[data-keep-lang]')) {
    const url = new URL(a.getAttribute('href'), window.location.href);
    url.searchParams.set('lang', page.lang);
    a.setAttribute('href', url.pathname.split('/').pop() + url.search);
  }
}

function setLoading(on) {
  const main = document.getElementById('main');
  if (main) main.setAttribute('aria-busy', on ? 'true' : 'false');
  const status = document.getElementById('load-status');
  if (status) status.hidden = !on;
}

function showLoadError(retry) {
  const box = document.getElementById('load-error');
  if (!box) return;
  box.hidden = false;
  const button = document.getElementById('load-retry');
  if (button) button.onclick = retry; // a property, not an inline attribute
  announce(page.t('loadFailed'));
}

/**
 * Starts a page. `loadData(lang)` fetches the page's own data (in parallel with the
 * municipality) and `render(data)` draws it once both have arrived; `onTexts()` is called
 * whenever the language changes, before the new data arrives, to re-translate dynamic texts.
 */
export function startPage({ titleKey, loadData, render, onTexts }) {
  renderLayout();
  const initial = pickInitialLanguage({
    query: new URLSearchParams(window.location.search).get('lang'),
    stored: readStoredLanguage(),
    browser: navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language],
  });
  page.lang = initial || 'en'; // only until the municipality's default language is known
  applyStaticTexts();

  let sequence = 0;
  let allowed = LANGUAGES.map((l) => l.code);

  async function load(requested) {
    const mine = ++sequence;
    setLoading(true);
    const errorBox = document.getElementById('load-error');
    if (errorBox) errorBox.hidden = true;
    try {
      let lang = requested;
      let dataPromise = lang ? loadData(lang) : null;
      if (dataPromise) dataPromise.catch(() => {}); // awaited below; avoid an unhandled rejection
      let municipality = await getMunicipality(lang);
      const offered = Array.isArray(municipality.languages)
        ? municipality.languages.map(normalizeLanguage).filter(Boolean)
        : [];
      allowed = offered.length ? LANGUAGES.map((l) => l.code).filter((c) => offered.includes(c)) : allowed;
      if (!lang || !allowed.includes(lang)) {
        const fallback = normalizeLanguage(municipality.default_language);
        lang = fallback && allowed.includes(fallback) ? fallback : allowed[0] || 'en';
        dataPromise = loadData(lang);
        municipality = await getMunicipality(lang);
      }
      const data = await dataPromise;
      if (mine !== sequence) return; // a later language switch won
      page.lang = lang;
      page.municipality = municipality;
      applyStaticTexts();
      renderLanguageSelect(allowed);
      renderHeader(titleKey);
      setLoading(false);
      render(data);
    } catch (err) {
      if (mine !== sequence) return;
      setLoading(false);
      if (typeof console !== 'undefined') console.error(err);
      showLoadError(() => load(requested || page.lang));
    }
  }

  const select = document.getElementById('lang-select');
  if (select) {
    // Until the municipality answers, offer every language we have texts for.
    renderLanguageSelect(allowed);
    select.addEventListener('change', () => {
      const lang = normalizeLanguage(select.value);
      if (!lang || lang === page.lang) return;
      storeLanguage(lang);
      const url = new URL(window.location.href);
      url.searchParams.set('lang', lang);
      window.history.replaceState(window.history.state, '', url);
      page.lang = lang;
      applyStaticTexts();
      renderHeader(titleKey);
      if (onTexts) onTexts();
      load(lang);
    });
  }

  load(initial);
}
