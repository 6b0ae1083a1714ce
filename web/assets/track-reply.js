// track.html, issue 16 item 5: the requester answers back with the case's token. They add
// information or answer the municipality's question while the case is handled
// (`may_reply`), and reopen it within the reopen window once it is resolved (`may_reopen`,
// `reopen_until`): the tracked view says what they may do, the server decides again. Hooked
// into track.js by one call (renderAnswers) and the title of their own entries (ownEntryTitle).

import { h } from './dom.js';
import { page, announce, focusElement, pageUrl } from './page.js';
import { intlLocale } from './i18n.js';
import { answerCase, reopenCase, newIdempotencyKey } from './api.js';

const MAX_TEXT = 5000;

let section = null;
let state = { sending: false, kind: null, error: null, done: null, keys: {} };
let latest = null; // { caseView, number, token, onCase }

function formatDate(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso || '';
  const zone = page.municipality && page.municipality.time_zone;
  const options = { dateStyle: 'long', timeStyle: 'short', ...(zone ? { timeZone: zone } : {}) };
  try {
    return new Intl.DateTimeFormat(intlLocale(page.lang), options).format(date);
  } catch (err) {
    return new Intl.DateTimeFormat(intlLocale(page.lang), { dateStyle: 'long', timeStyle: 'short' }).format(date);
  }
}

/** The title of an entry the requester wrote on this page, or null for any other entry. */
export function ownEntryTitle(entry) {
  if (!entry || entry.by_requester !== true) return null;
  return page.t(entry.reopening ? 'portal_kindReopening' : 'portal_kindYours');
}

function errorText(error) {
  return error.text || page.t(error.key, error.params);
}

function failure(err, field) {
  if (err.status === 400 && err.fields.length) {
    const mine = err.fields.find((f) => f && f.field === field) || err.fields[0];
    return { text: (mine && mine.message) || err.serverMessage, field: true };
  }
  if (err.status === 0) return { key: 'portal_answerNetwork' };
  if (err.serverMessage) return { text: err.serverMessage };
  return { key: 'portal_answerFailed', params: { status: err.status } };
}

function form(kind) {
  const reply = kind === 'reply';
  const id = `answer-${kind}`;
  const errorId = `${id}-error`;
  const error = state.kind === kind && state.error;
  const textarea = h('textarea', {
    id: `${id}-text`, name: reply ? 'text' : 'reason', rows: '5', maxlength: String(MAX_TEXT), required: true,
    spellcheck: 'true', 'aria-describedby': [`${id}-intro`, error ? errorId : null].filter(Boolean).join(' '),
    'aria-invalid': error && error.field ? 'true' : null,
  });
  const c = latest.caseView;
  const intro = reply
    ? page.t(c.status === 'waiting_for_citizen' ? 'portal_replyWaiting' : 'portal_replyIntro')
    : page.t('portal_reopenIntro', { date: formatDate(c.reopen_until) });
  const element = h('form', { id, class: 'answer-form', novalidate: '' },
    h('p', { id: `${id}-intro`, class: 'hint', text: intro }),
    h('div', { class: error && error.field ? 'field has-error' : 'field' },
      h('label', { for: `${id}-text` }, page.t(reply ? 'portal_replyLabel' : 'portal_reopenLabel'), ' ',
        h('span', { class: 'req', 'aria-hidden': 'true', text: '*' })),
      error ? h('p', { class: 'field-error', id: errorId },
        h('span', { class: 'visually-hidden', text: page.t('errorPrefix') }), ` ${errorText(error)}`) : null,
      textarea),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary', id: `${id}-submit`, disabled: state.sending,
        text: page.t(state.sending && state.kind === kind ? 'sending' : (reply ? 'portal_replySubmit' : 'portal_reopenSubmit')) })));
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    send(kind, textarea);
  });
  return element;
}

async function send(kind, textarea) {
  if (state.sending || !latest) return;
  const text = textarea.value.trim();
  if (!text) {
    state = { ...state, kind, error: { key: kind === 'reply' ? 'portal_replyRequired' : 'portal_reopenRequired', field: true }, done: null };
    draw({ keep: { kind, value: textarea.value } });
    document.getElementById(`answer-${kind}-text`).focus();
    announce(errorText(state.error));
    retitle();
    return;
  }
  // One key per text: a retry after a network error writes nothing twice (docs/api.md).
  const keyFor = `${kind}\n${text}`;
  if (!state.keys[keyFor]) state.keys[keyFor] = newIdempotencyKey();
  state = { ...state, sending: true, kind, error: null, done: null };
  draw({ keep: { kind, value: textarea.value } });
  const { number, token } = latest;
  try {
    const call = kind === 'reply' ? answerCase : reopenCase;
    const updated = await call(number, token, text, state.keys[keyFor], page.lang);
    delete state.keys[keyFor];
    state = { ...state, sending: false, done: kind === 'reply' ? 'portal_replyDone' : 'portal_reopenDone' };
    latest.onCase(updated); // the page draws the case again, and this section with it
    focusElement(document.getElementById('answer-done'));
    announce(page.t(state.done));
  } catch (err) {
    if (err.status === 400 || err.status === 409) delete state.keys[keyFor]; // refused: nothing written
    state = { ...state, sending: false, error: failure(err, kind === 'reply' ? 'text' : 'reason') };
    draw({ keep: { kind, value: textarea.value } });
    const box = document.getElementById(`answer-${kind}-text`);
    if (box) box.focus();
    announce(`${page.t('errorPrefix')} ${errorText(state.error)}`);
  }
  retitle();
}

/** "Error: Case …" while a refusal is on screen, the case's own title otherwise. */
function retitle() {
  document.title = state.error ? `${page.t('errorPrefix')} ${baseTitle()}` : baseTitle();
}

function baseTitle() {
  const name = (page.municipality && page.municipality.name) || 'CivicDesk';
  return `${page.t('caseTitle', { number: latest.caseView.number || latest.number })} — ${name}`;
}

function draw({ keep } = {}) {
  if (!section || !latest) return;
  const c = latest.caseView;
  const children = [];
  if (state.done) {
    children.push(h('div', { id: 'answer-done', class: 'alert', tabindex: '-1', role: 'status' },
      h('p', { text: page.t(state.done) })));
  }
  let title = null;
  if (c.may_reply === true) {
    title = 'portal_replyTitle';
    children.push(form('reply'));
  } else if (c.may_reopen === true) {
    title = 'portal_reopenTitle';
    children.push(form('reopening'));
  } else if (c.status === 'resolved' || c.status === 'closed' || c.status === 'cancelled') {
    title = 'portal_reopenTitle';
    children.push(h('p', { class: 'hint', text: page.t(c.status === 'resolved' ? 'portal_reopenPassed' : 'portal_caseClosed') }),
      h('p', {}, h('a', { href: pageUrl('index.html'), text: page.t('portal_newReport') })));
  }
  if (!title) {
    section.hidden = true;
    return;
  }
  section.replaceChildren(h('h3', { id: 'answer-title', text: page.t(title) }), ...children);
  section.hidden = false;
  if (keep) {
    const box = document.getElementById(`answer-${keep.kind}-text`);
    if (box) box.value = keep.value;
  }
}

/**
 * Draw the answer section of case view `caseView` (shown only with the token: the view's
 * `may_reply`/`may_reopen` are false without it). `onCase(updated)` draws the case the
 * server answered after a message or a reopening.
 */
export function renderAnswers(caseView, { number, token, onCase }) {
  const article = document.getElementById('case');
  if (!section) {
    section = h('section', { id: 'answer', class: 'answer', 'aria-labelledby': 'answer-title', hidden: true });
    article.insertBefore(section, document.getElementById('follow'));
  }
  const typed = ['reply', 'reopening'].map((kind) => {
    const box = document.getElementById(`answer-${kind}-text`);
    return box && box.value ? { kind, value: box.value } : null;
  }).find(Boolean);
  if (latest && latest.caseView.status !== caseView.status) state = { ...state, error: null };
  latest = { caseView, number, token, onCase };
  if (!token) {
    section.hidden = true;
    return;
  }
  draw({ keep: state.done ? null : typed });
}
