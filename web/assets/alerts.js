// alerts.html: residents subscribe to the municipality's alerts (topics; areas and/or a place;
// e-mail and/or SMS), confirm the number with the SMS code, and through the fragment of a link
// confirm the address (#confirm=<token>), end the subscription (#unsubscribe=<token>, in every
// alert) or change it (#manage=<token>). A link only opens the page: mail scanners open links
// too, so nothing changes until a button is pressed.

import { page, startPage, announce, focusElement } from './page.js';
import {
  changeAlertSubscription,
  confirmAlertEmail,
  confirmAlertPhone,
  endAlertSubscription,
  getAlertOptions,
  getAlertSubscription,
  newIdempotencyKey,
  resendAlertCode,
  subscribeToAlerts,
} from './api.js';
import { h } from './dom.js';

const $ = (id) => document.getElementById(id);
const fragment = new URLSearchParams(window.location.hash.slice(1));
// A subscription's token, or a contact list entry's (cl.…: the unsubscribe only).
const TOKEN = /^(?:[0-9a-f]{24}\.[A-Za-z0-9_-]{32}|cl\.[A-Za-z0-9_-]{24})$/;

/** What the address asks for: {mode, token}; mode 'subscribe' without a fragment. */
function requested() {
  for (const mode of ['confirm', 'unsubscribe', 'manage']) {
    if (fragment.has(mode)) return { mode, token: (fragment.get(mode) || '').trim() };
  }
  return { mode: 'subscribe', token: '' };
}

const state = {
  ...requested(),
  options: null, // {topics, areas, code_minutes, pending_days, code_length}
  subscription: null, // the manage view's subscription
  pendingId: null, // the subscription waiting for its SMS code
  awaiting: [],
  busy: false,
  done: null, // {key} of the success message
  failure: null, // {key, params, final} or {text}
  fieldErrors: null,
  idempotencyKey: null,
  codeStatus: null, // {key} or {text}
  geoMessage: null,
};

const form = $('alerts-form');
const summary = $('error-summary');
const summaryList = $('error-summary-list');

/** Where each API field's error is shown: its error element and the inputs it describes. */
function targetOf(field) {
  if (field === 'topics' || field.startsWith('topics[')) return { error: 'f-topics-error', group: 'fs-topics', first: () => firstInput('f-topics') };
  if (field === 'areas' || field.startsWith('areas[')) return { error: 'f-areas-error', group: 'fs-areas', first: () => firstInput('f-areas') };
  if (field === 'point' || field.startsWith('point.')) return { error: 'f-point-error', group: 'fs-point', first: () => $('f-lat') };
  if (field === 'channels') return { error: 'f-channels-error', group: 'fs-channels', first: () => firstInput('f-channels') };
  if (['email', 'phone', 'name', 'code'].includes(field)) return { error: `f-${field}-error`, input: `f-${field}`, first: () => $(`f-${field}`) };
  return null;
}

const LABELS = { topics: 'alertsFsTopics', areas: 'alertsAreasLegend', point: 'alertsPointLegend', email: 'emailLabel',
  phone: 'alertsPhoneLabel', name: 'alertsNameLabel', channels: 'alertsChannelsLegend', code: 'alertsCodeLabel' };

function firstInput(containerId) {
  return $(containerId).querySelector('input');
}

function plural(key, count) {
  const rules = new Intl.PluralRules(page.lang.startsWith('sr') ? 'sr' : page.lang);
  return page.t(`${key}_${rules.select(count)}`, { count });
}

// ---------------------------------------------------------------- the choices

function checkbox(prefix, value, label, checked) {
  const id = `${prefix}-${value}`;
  return h('div', { class: 'choice' },
    h('input', { type: 'checkbox', id, value, checked: Boolean(checked) }),
    h('label', { for: id, text: label }));
}

function checked(containerId) {
  return [...$(containerId).querySelectorAll('input[type=checkbox]:checked')].map((input) => input.value);
}

function renderChoices() {
  const options = state.options || { topics: [], areas: [] };
  const sub = state.subscription;
  const keepTopics = new Set(sub ? sub.topics.map((t) => t.id) : checked('f-topics'));
  const keepAreas = new Set(sub ? sub.areas.map((a) => a.id) : checked('f-areas'));
  $('f-topics').replaceChildren(...options.topics.map((t) => checkbox('t', t.id, t.name, keepTopics.has(t.id))));
  $('f-areas').replaceChildren(...options.areas.map((a) => checkbox('a', a.id, a.name, keepAreas.has(a.id))));
  if (sub) {
    $('f-channels').replaceChildren(...sub.channels.map((c) => checkbox('c', c.channel,
      page.t(c.channel === 'email' ? 'alertsChannelEmail' : 'alertsChannelSms', {
        address: c.address, state: page.t(c.state === 'confirmed' ? 'alertsStateConfirmed' : 'alertsStatePending'),
      }), true)));
  }
}

function fillFromSubscription() {
  const sub = state.subscription;
  $('f-lat').value = sub && sub.point ? String(sub.point.lat) : '';
  $('f-lon').value = sub && sub.point ? String(sub.point.lon) : '';
}

function numberOrText(value) {
  const text = value.trim().replace(',', '.');
  if (!text) return undefined;
  return /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function choices() {
  const lat = numberOrText($('f-lat').value);
  const lon = numberOrText($('f-lon').value);
  const out = { topics: checked('f-topics'), areas: checked('f-areas') };
  if (lat !== undefined || lon !== undefined) out.point = { lat, lon };
  return out;
}

// ---------------------------------------------------------------- errors

function clearFieldErrors() {
  state.fieldErrors = null;
  for (const el of document.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.replaceChildren();
  }
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('[data-describedby]')) {
    el.setAttribute('aria-describedby', el.dataset.describedby);
    delete el.dataset.describedby;
  }
  for (const el of document.querySelectorAll('.has-error')) el.classList.remove('has-error');
  summary.hidden = true;
  summaryList.replaceChildren();
}

function describe(el, errorId) {
  if (!el) return;
  if (el.dataset.describedby === undefined) el.dataset.describedby = el.getAttribute('aria-describedby') || '';
  const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  el.setAttribute('aria-describedby', [...new Set([...ids, errorId])].join(' '));
}

/** The 400's `fields` beside their inputs (tied with aria-describedby) and in the summary. */
function renderFieldErrors(fields, { withSummary = true } = {}) {
  clearFieldErrors();
  state.fieldErrors = { fields, withSummary };
  const items = [];
  const messages = new Map();
  for (const f of fields) {
    const field = typeof f.field === 'string' ? f.field : '';
    const message = (typeof f.message === 'string' && f.message) || f.code || '';
    const target = targetOf(field);
    if (target) {
      if (!messages.has(target.error)) messages.set(target.error, { target, texts: [] });
      messages.get(target.error).texts.push(message);
    }
    const base = field.split(/[[.]/)[0];
    const label = LABELS[base] ? page.t(LABELS[base]) : '';
    const first = target ? target.first() : null;
    items.push({ id: first ? first.id : null, text: label ? `${label}: ${message}` : message });
  }
  for (const [errorId, { target, texts }] of messages) {
    const error = $(errorId);
    error.replaceChildren(h('span', { class: 'visually-hidden', text: page.t('errorPrefix') }), ` ${texts.join(' ')}`);
    error.hidden = false;
    if (target.input) {
      const input = $(target.input);
      input.setAttribute('aria-invalid', 'true');
      describe(input, errorId);
      const container = input.closest('.field');
      if (container) container.classList.add('has-error');
    } else {
      const group = $(target.group);
      describe(group, errorId);
      for (const input of group.querySelectorAll('input')) input.setAttribute('aria-invalid', 'true');
    }
  }
  if (!withSummary) return;
  summaryList.replaceChildren(...items.map((item) =>
    h('li', {}, item.id ? h('a', { href: `#${item.id}`, text: item.text }) : h('span', { text: item.text }))));
  summary.hidden = false;
}

summaryList.addEventListener('click', (event) => {
  const link = event.target.closest('a[href^="#"]');
  if (!link) return;
  const input = document.getElementById(link.getAttribute('href').slice(1));
  if (!input) return;
  event.preventDefault();
  (input.closest('.field') || input.closest('fieldset') || input).scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
});

function failureOf(err) {
  if (err.status === 0) return { key: 'alertsNetwork' };
  if (err.status === 404 || (err.status === 400 && state.mode !== 'subscribe' && !err.fields.length)) {
    return { key: 'alertsNotFound', final: true };
  }
  if (err.serverMessage) return { text: err.serverMessage };
  return { key: 'errorGeneric', params: { status: err.status } };
}

function showFailure(err) {
  state.failure = failureOf(err);
  render();
  focusElement($('send-error'));
  announce(`${page.t('alertsNotSent')}. ${$('send-error-text').textContent}`);
}

/** A 400 with fields beside the inputs, anything else in the error box. */
function handleError(err, { withSummary = true } = {}) {
  if (err.status === 400 && err.code === 'validation_failed' && err.fields.length) {
    renderFieldErrors(err.fields, { withSummary });
    if (withSummary) {
      focusElement(summary);
      announce(page.t('alertsErrorsAnnounce', { n: err.fields.length }));
    } else {
      const target = targetOf(err.fields[0].field);
      if (target) target.first().focus();
      announce($(target ? target.error : 'f-code-error').textContent.trim());
    }
    return;
  }
  clearFieldErrors();
  showFailure(err);
}

// ---------------------------------------------------------------- drawing

function show(id, on) {
  $(id).hidden = !on;
}

function render() {
  const { mode } = state;
  const ready = Boolean(state.options);
  const validToken = mode === 'subscribe' || TOKEN.test(state.token);
  show('alerts-intro', ready && mode === 'subscribe' && !state.pendingId);
  const asking = ready && validToken && (mode === 'confirm' || mode === 'unsubscribe') && !state.done && !(state.failure && state.failure.final);
  show('alerts-ask', asking);
  if (asking) {
    $('alerts-question').textContent = page.t(mode === 'confirm' ? 'alertsAskConfirm' : 'alertsAskUnsubscribe');
    $('alerts-ask-button').textContent = page.t(state.busy ? 'alertsWorking' : mode === 'confirm' ? 'alertsConfirmButton' : 'alertsUnsubscribeButton');
    $('alerts-ask-button').disabled = state.busy;
  }
  const managing = ready && Boolean(state.subscription) && state.subscription.status !== 'ended';
  const subscribing = ready && mode === 'subscribe' && !state.pendingId && !state.subscription;
  show('alerts-form', managing || subscribing);
  show('alerts-manage-title', managing);
  show('fs-how', subscribing);
  show('fs-channels', managing);
  show('alerts-end', managing);
  $('alerts-submit').textContent = page.t(state.busy ? 'alertsWorking' : managing ? 'alertsSave' : 'alertsSubmit');
  $('alerts-submit').disabled = state.busy;
  $('alerts-end').disabled = state.busy;

  const pending = Boolean(state.pendingId) && !state.subscription;
  show('alerts-pending', pending);
  show('alerts-check-mail', pending && state.awaiting.includes('email'));
  show('alerts-code-step', pending && state.awaiting.includes('sms'));
  if (pending && state.options) {
    $('alerts-check-mail').textContent = page.t('alertsCheckMail', { days: plural('alertsDays', state.options.pending_days) });
    $('alerts-code-intro').textContent = page.t('alertsCodeIntro', {
      length: state.options.code_length, minutes: plural('alertsMinutes', state.options.code_minutes),
    });
    $('code-submit').disabled = state.busy;
    $('code-resend').disabled = state.busy;
  }
  const code = state.codeStatus;
  $('code-status').textContent = code ? code.text || page.t(code.key) : '';

  show('alerts-done', Boolean(state.done));
  if (state.done) $('alerts-done-text').textContent = page.t(state.done.key);
  show('alerts-again', Boolean(state.done && state.done.again));

  const failure = state.failure;
  show('send-error', Boolean(failure));
  if (failure) $('send-error-text').textContent = failure.text || page.t(failure.key, failure.params);
  if (ready && !validToken) {
    state.failure = { key: 'alertsNotFound', final: true };
    show('send-error', true);
    $('send-error-text').textContent = page.t('alertsNotFound');
  }
  $('geo-status').textContent = state.geoMessage ? page.t(state.geoMessage.key, state.geoMessage.params) : '';
}

function retranslate() {
  if (state.options) renderChoices();
  render();
  if (state.fieldErrors) renderFieldErrors(state.fieldErrors.fields, { withSummary: state.fieldErrors.withSummary });
}

/** Puts a result in front: focus on its panel, said through the live region. */
function present(id) {
  const el = $(id);
  focusElement(el);
  announce(el.textContent.trim());
}

function manage(subscription, doneKey) {
  state.subscription = subscription;
  state.mode = 'manage';
  state.token = subscription.token || state.token;
  if (subscription.token) {
    // The SMS code made the page's holder the subscription's: keep its token in the fragment.
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}#manage=${subscription.token}`);
  }
  state.pendingId = null;
  state.done = doneKey ? { key: doneKey } : null;
  renderChoices();
  fillFromSubscription();
  render();
}

// ---------------------------------------------------------------- actions

async function busyWhile(action) {
  if (state.busy) return;
  state.busy = true;
  state.failure = null;
  render();
  try {
    await action();
  } finally {
    state.busy = false;
    render();
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  busyWhile(async () => {
    clearFieldErrors();
    state.done = null;
    if (state.subscription) {
      const change = { token: state.token, ...choices(), channels: checked('f-channels'), language: page.lang };
      try {
        manage(await changeAlertSubscription(change, page.lang), 'alertsSaved');
        present('alerts-done');
      } catch (err) {
        handleError(err);
      }
      return;
    }
    const payload = { ...choices(), language: page.lang };
    for (const name of ['email', 'phone', 'name']) {
      const value = $(`f-${name}`).value.trim();
      if (value) payload[name] = value;
    }
    if (!state.idempotencyKey) state.idempotencyKey = newIdempotencyKey();
    try {
      const answer = await subscribeToAlerts(payload, state.idempotencyKey, page.lang);
      state.pendingId = answer.id;
      state.awaiting = Array.isArray(answer.awaiting) ? answer.awaiting : [];
      state.idempotencyKey = null;
      render();
      present('alerts-pending');
      if (state.awaiting.includes('sms')) $('f-code').focus({ preventScroll: true });
    } catch (err) {
      if (err.status === 400 || err.status === 413) state.idempotencyKey = null;
      handleError(err);
    }
  });
});

$('code-form').addEventListener('submit', (event) => {
  event.preventDefault();
  busyWhile(async () => {
    clearFieldErrors();
    state.codeStatus = null;
    try {
      const subscription = await confirmAlertPhone(state.pendingId, $('f-code').value.trim(), page.lang);
      manage(subscription, 'alertsConfirmed');
      present('alerts-done');
    } catch (err) {
      handleError(err, { withSummary: false });
    }
  });
});

$('code-resend').addEventListener('click', () => {
  busyWhile(async () => {
    clearFieldErrors();
    try {
      await resendAlertCode(state.pendingId, page.lang);
      state.codeStatus = { key: 'alertsCodeResent' };
    } catch (err) {
      state.codeStatus = err.serverMessage ? { text: err.serverMessage } : { key: 'alertsNetwork' };
    }
  });
});

$('alerts-ask-button').addEventListener('click', () => {
  busyWhile(async () => {
    try {
      if (state.mode === 'confirm') {
        const subscription = await confirmAlertEmail(state.token, page.lang);
        if (subscription.status === 'ended') {
          state.done = { key: 'alertsEnded', again: true };
          render();
        } else {
          manage(subscription, 'alertsConfirmed');
        }
      } else {
        await endAlertSubscription(state.token, page.lang);
        state.done = { key: 'alertsUnsubscribed', again: true };
        state.mode = 'ended';
        render();
      }
      present('alerts-done');
    } catch (err) {
      showFailure(err);
    }
  });
});

$('alerts-end').addEventListener('click', () => {
  busyWhile(async () => {
    try {
      await endAlertSubscription(state.token, page.lang);
      state.subscription = null;
      state.mode = 'ended';
      state.done = { key: 'alertsUnsubscribed', again: true };
      render();
      present('alerts-done');
    } catch (err) {
      showFailure(err);
    }
  });
});

$('geo-button').addEventListener('click', () => {
  if (!('geolocation' in navigator)) {
    state.geoMessage = { key: 'geoUnsupported' };
    render();
    return;
  }
  $('geo-button').disabled = true;
  state.geoMessage = { key: 'geoLocating' };
  render();
  navigator.geolocation.getCurrentPosition(
    (position) => {
      $('f-lat').value = position.coords.latitude.toFixed(6);
      $('f-lon').value = position.coords.longitude.toFixed(6);
      state.geoMessage = { key: 'geoDone', params: { m: Math.round(position.coords.accuracy || 0) } };
      $('geo-button').disabled = false;
      render();
    },
    (err) => {
      state.geoMessage = { key: err && err.code === 1 ? 'geoDenied' : 'geoUnavailable' };
      $('geo-button').disabled = false;
      render();
    },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
  );
});

// ---------------------------------------------------------------- start

// Another link of the same page (a mail's, opened in this tab) changes only the fragment: the
// page starts again for it.
window.addEventListener('hashchange', () => window.location.reload());

async function loadData(lang) {
  const options = await getAlertOptions(lang);
  let subscription = null;
  if (state.mode === 'manage' && TOKEN.test(state.token)) {
    try {
      subscription = await getAlertSubscription(state.token, lang);
    } catch (err) {
      if (err.status !== 404 && err.status !== 400) throw err;
      state.failure = { key: 'alertsNotFound', final: true };
    }
  }
  return { options, subscription };
}

startPage({
  titleKey: 'alertsTitle',
  loadData,
  render: ({ options, subscription }) => {
    state.options = options;
    if (subscription && !state.subscription) {
      if (subscription.status === 'ended') state.done = { key: 'alertsEnded', again: true };
      else manage(subscription, null);
    } else if (state.subscription && subscription) {
      state.subscription = subscription; // the same subscription, its names in the new language
    }
    renderChoices();
    render();
  },
  onTexts: retranslate,
});
