// track.html: one case's status and history, by number and (for private cases) token.

import { h } from './dom.js';
import { page, startPage, announce, focusElement, pageUrl } from './page.js';
import { has, intlLocale } from './i18n.js';
import { followCase, getCase } from './api.js';
import { offerAccountFollow } from './account-follow.js';
import { showCasePhotos, retranslateCasePhotos } from './photo-track.js';
import { renderAnswers, ownEntryTitle } from './track-reply.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(window.location.search);
const number = (query.get('number') || '').trim();
const token = (query.get('token') || '').trim();

const lookup = $('lookup');
const lookupForm = $('lookup-form');
const numberInput = $('t-number');
const numberError = $('t-number-error');
let result = null;
let announced = false;

// "Follow this case": an e-mail address for a public case viewed without the private token.
const followForm = $('follow-form');
const followEmail = $('follow-email');
const followEmailError = $('follow-email-error');
const followButton = $('follow-submit');
let following = false; // a request in flight
let followError = null; // {key, params} or {text}: kept so that a language switch re-translates it
let followFieldError = null; // likewise, for the address field

numberInput.value = number;

function formatDate(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso || '';
  const options = { dateStyle: 'long', timeStyle: 'short' };
  const zone = page.municipality && page.municipality.time_zone;
  try {
    return new Intl.DateTimeFormat(intlLocale(page.lang), zone ? { ...options, timeZone: zone } : options).format(date);
  } catch (err) {
    return new Intl.DateTimeFormat(intlLocale(page.lang), options).format(date); // unknown time zone
  }
}

function setTime(el, iso) {
  el.textContent = formatDate(iso);
  if (iso) el.setAttribute('datetime', iso);
  else el.removeAttribute('datetime');
  el.closest('div').hidden = !iso;
}

function historyTitle(entry) {
  const own = ownEntryTitle(entry);
  if (own) return own;
  const kind = typeof entry.kind === 'string' ? entry.kind : '';
  const base = has(page.lang, `kind_${kind}`) ? page.t(`kind_${kind}`) : page.t('kind_other');
  return entry.status_name ? `${base}: ${entry.status_name}` : base;
}

// Entries whose sentence from the API only repeats their label ("Answer from the municipality."):
// when they carry what was written, that is shown instead.
const MESSAGE_KINDS = new Set(['message_out', 'message_in']);

/** What the API gives of an entry: its sentence, and what the official wrote (``message``,
 *  redacted by the API without the token), both as text, never as markup. */
function historyBody(entry) {
  const message = typeof entry.message === 'string' && entry.message.trim() ? entry.message : '';
  const text = typeof entry.text === 'string' ? entry.text : '';
  return [
    text && !(message && MESSAGE_KINDS.has(entry.kind)) ? h('p', { class: 'history-text', text }) : null,
    message ? h('blockquote', { class: 'history-message' }, h('p', { text: message })) : null,
  ];
}

function renderHistory(history) {
  const list = $('c-history');
  // Oldest first, newest last; entries without a valid date keep their place (stable sort).
  const entries = (Array.isArray(history) ? history : [])
    .filter((e) => e && typeof e === 'object')
    .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
    .sort((a, b) => {
      if (Number.isNaN(a.time) || Number.isNaN(b.time)) return a.index - b.index;
      return a.time - b.time || a.index - b.index;
    })
    .map((x) => x.entry);
  list.replaceChildren(
    ...entries.map((entry) => {
      const time = h('time', { class: 'history-time', text: formatDate(entry.at) });
      if (entry.at) time.setAttribute('datetime', entry.at);
      return h(
        'li',
        { class: entry.kind === 'status_changed' ? 'history-item is-status' : 'history-item' },
        time,
        h('p', { class: 'history-title', text: historyTitle(entry) }),
        ...historyBody(entry),
      );
    }),
  );
  list.hidden = !entries.length;
  $('c-history-empty').hidden = entries.length > 0;
}

function renderCase(c) {
  const caseNumber = c.number || number;
  const status = c.status_name || c.status || '';
  $('case-title').textContent = page.t('caseTitle', { number: caseNumber });
  $('c-status').textContent = status;
  $('c-type').textContent = c.type_name || c.type || '';
  $('c-category').textContent = c.category_name || c.category || '';
  setTime($('c-created'), c.created_at);
  setTime($('c-updated'), c.updated_at);

  const location = c.location && typeof c.location === 'object' ? c.location : {};
  $('c-address').textContent = location.address || '';
  $('c-address-row').hidden = !location.address;
  const hasCoords = typeof location.lat === 'number' && typeof location.lon === 'number';
  $('c-coords').textContent = hasCoords
    ? `${location.lat.toLocaleString(intlLocale(page.lang), { maximumFractionDigits: 6 })}, ${location.lon.toLocaleString(intlLocale(page.lang), { maximumFractionDigits: 6 })}`
    : '';
  $('c-coords-row').hidden = !hasCoords;

  $('c-description').textContent = c.description || '';
  $('public-view').hidden = Boolean(token);
  renderHistory(c.history);
  $('follow').hidden = !(c.public === true && !token);
  offerAccountFollow(caseNumber, $('account-follow'), c.public === true && !token);
  renderAnswers(c, { number: caseNumber, token, onCase: (updated) => render({ case: updated }) });
  renderFollowErrors();

  if ($('case-photos').dataset.loaded !== caseNumber) {
    $('case-photos').dataset.loaded = caseNumber;
    showCasePhotos($('case-photos'), caseNumber, token);
  } else retranslateCasePhotos();
  $('case').hidden = false;
  $('not-found').hidden = true;
  lookup.open = false;
  document.title = `${page.t('caseTitle', { number: caseNumber })} — ${(page.municipality && page.municipality.name) || 'CivicDesk'}`;
  if (!announced) {
    announced = true;
    announce(page.t('caseAnnounce', { number: caseNumber, status }));
  }
}

function render(data) {
  result = data;
  if (data.case) {
    renderCase(data.case);
  } else if (data.notFound) {
    $('case').hidden = true;
    $('not-found').hidden = false;
    lookup.open = true;
    if (!announced) {
      announced = true;
      announce(`${page.t('notFoundTitle')}. ${page.t('notFound')}`);
    }
  } else {
    $('case').hidden = true;
    $('not-found').hidden = true;
    lookup.open = true;
  }
}

async function loadData(lang) {
  if (!number) return { none: true };
  try {
    return { case: await getCase(number, token, lang) };
  } catch (err) {
    if (err.status === 404) return { notFound: true };
    throw err;
  }
}

function errorText(error) {
  return error.text || page.t(error.key, error.params);
}

function renderFollowErrors() {
  const field = followEmail.closest('.field');
  if (followFieldError) {
    followEmailError.replaceChildren(
      h('span', { class: 'visually-hidden', text: page.t('errorPrefix') }),
      ' ',
      errorText(followFieldError),
    );
    followEmail.setAttribute('aria-invalid', 'true');
    followEmail.setAttribute('aria-describedby', 'follow-intro follow-email-error');
  } else {
    followEmail.removeAttribute('aria-invalid');
    followEmail.setAttribute('aria-describedby', 'follow-intro');
  }
  followEmailError.hidden = !followFieldError;
  field.classList.toggle('has-error', Boolean(followFieldError));
  $('follow-error').hidden = !followError;
  $('follow-error-text').textContent = followError ? errorText(followError) : '';
}

function followFailure(err) {
  const field = err.fields.find((f) => f && f.field === 'email');
  if (err.status === 400 && field) {
    followFieldError = { text: field.message || page.t('followEmailRequired') };
  } else if (err.status === 404) {
    followError = { key: 'notFound' };
  } else if (err.status === 0) {
    followError = { key: 'subNetwork' };
  } else {
    followError = err.serverMessage ? { text: err.serverMessage } : { key: 'errorGeneric', params: { status: err.status } };
  }
}

followForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (following || !result || !result.case) return;
  followError = null;
  followFieldError = null;
  const email = followEmail.value.trim();
  if (!email) followFieldError = { key: 'followEmailRequired' };
  if (!followFieldError) {
    following = true;
    followButton.disabled = true;
    try {
      await followCase(result.case.number || number, email, page.lang);
      followForm.hidden = true;
      $('follow-done').hidden = false;
      focusElement($('follow-done'));
      announce(page.t('followDone'));
    } catch (err) {
      followFailure(err);
    } finally {
      following = false;
      followButton.disabled = false;
    }
  }
  renderFollowErrors();
  if (followFieldError) {
    followEmail.focus();
    announce(errorText(followFieldError));
  } else if (followError) {
    focusElement($('follow-error'));
    announce(errorText(followError));
  }
});

lookupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = numberInput.value.trim();
  if (!value) {
    numberError.replaceChildren(
      h('span', { class: 'visually-hidden', 'data-i18n': 'errorPrefix', text: page.t('errorPrefix') }),
      ' ',
      h('span', { 'data-i18n': 'numberRequired', text: page.t('numberRequired') }),
    );
    numberError.hidden = false;
    numberInput.setAttribute('aria-invalid', 'true');
    numberInput.setAttribute('aria-describedby', 't-number-hint t-number-error');
    numberInput.closest('.field').classList.add('has-error');
    numberInput.focus();
    return;
  }
  // A typed number has no token: only public cases can be shown that way.
  window.location.assign(pageUrl('track.html', { number: value }));
});

startPage({
  titleKey: 'trackTitle',
  loadData,
  render,
  onTexts: () => {
    if (result) render(result); // labels now, names from the API when they arrive
  },
});
