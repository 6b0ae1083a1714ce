// index.html: the "report a problem / ask a question" form.

import { accountTypes, explainAccountType, fileWithAccount, prefillFromAccount, showRegistry } from './account-form.js';
import { h } from './dom.js';
import { page, startPage, announce, focusElement, pageUrl } from './page.js';
import { has, intlLocale } from './i18n.js';
import { getCategories, createCase, newIdempotencyKey } from './api.js';
import './map-picker.js'; // the map, the photo's position, nearby reports (issue 16)
import { mountPhotoUpload } from './photo-upload.js';
import { formFailed, formSent, formReset, embedFields, applyPreset, renderPhone } from './portal-form.js';

const MIN_DESCRIPTION = 10;
const MAX_DESCRIPTION = 5000;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const $ = (id) => document.getElementById(id);
const form = $('case-form');
const typeSelect = $('f-type');
const categorySelect = $('f-category');
const categoryDescription = $('f-category-desc');
const description = $('f-description');
const counter = $('f-description-count');
const counterLive = $('f-description-live');
const latInput = $('f-lat');
const lonInput = $('f-lon');
const addressInput = $('f-address');
const nameInput = $('f-name');
const emailInput = $('f-email');
const phoneInput = $('f-phone');
const geoButton = $('geo-button');
const geoStatus = $('geo-status');
const submitButton = $('submit-button');
const summary = $('error-summary');
const summaryList = $('error-summary-list');
const sendError = $('send-error');
const sendErrorText = $('send-error-text');
const success = $('success');
const photos = mountPhotoUpload($('photos'), form);

// API field path -> input id. Errors on other fields (language, channel, ...) go to the summary only.
const FIELD_INPUTS = {
  type: 'f-type',
  category: 'f-category',
  description: 'f-description',
  'location.address': 'f-address',
  'location.lat': 'f-lat',
  'location.lon': 'f-lon',
  contact: 'f-name',
  'contact.name': 'f-name',
  'contact.email': 'f-email',
  'contact.phone': 'f-phone',
  attachments: 'f-photos',
};
// Errors about the place as a whole (outside the municipality) stand above both coordinates.
const FIELD_GROUPS = {
  location: { error: 'f-coords-error', inputs: ['f-lat', 'f-lon'] },
};
const FIELD_LABELS = {
  type: 'typeLabel',
  category: 'categoryLabel',
  description: 'descriptionLabel',
  location: 'fieldLocation',
  'location.address': 'addressLabel',
  'location.lat': 'latLabel',
  'location.lon': 'lonLabel',
  contact: 'fieldContact',
  'contact.name': 'nameLabel',
  'contact.email': 'emailLabel',
  'contact.phone': 'phoneLabel',
  attachments: 'photoLabel',
  language: 'langLabel',
};
const INPUT_ORDER = ['f-type', 'f-category', 'f-description', 'f-address', 'f-lat', 'f-lon', 'f-name', 'f-email', 'f-phone', 'f-photos'];

let categories = [];
let idempotencyKey = null; // one per form fill; kept while a retry could still create a case
let sending = false;
let lastFieldErrors = null;
let lastSendError = null; // {key, params} or {text}
let geoMessage = null; // {key, params}
let counterTimer = null;

// The aria-describedby each input has without errors.
for (const id of INPUT_ORDER) {
  const input = $(id);
  input.dataset.describedby = input.getAttribute('aria-describedby') || '';
}

// ---------------------------------------------------------------- rendering

function typeName(id) {
  const m = page.municipality || {};
  const found = (Array.isArray(m.case_types) ? m.case_types : []).find((ct) => ct && ct.id === id);
  if (found && found.name) return found.name;
  return has(page.lang, `type_${id}`) ? page.t(`type_${id}`) : id;
}

function publicTypes() {
  const m = page.municipality || {};
  if (Array.isArray(m.public_form_types) && m.public_form_types.length) return accountTypes(m.public_form_types);
  return accountTypes((Array.isArray(m.case_types) ? m.case_types : []).filter((ct) => ct && ct.public).map((ct) => ct.id));
}

function renderTypes() {
  const ids = publicTypes();
  const wanted = typeSelect.value || new URLSearchParams(window.location.search).get('type') || '';
  typeSelect.replaceChildren(
    h('option', { value: '', text: page.t('choose') }),
    ...ids.map((id) => h('option', { value: id, text: typeName(id) })),
  );
  if (ids.includes(wanted)) typeSelect.value = wanted;
  else if (ids.length === 1) typeSelect.value = ids[0];
  else typeSelect.value = '';
}

function categoriesForType(type) {
  return categories.filter((c) => c && Array.isArray(c.types) && c.types.includes(type));
}

function renderCategories() {
  const type = typeSelect.value;
  const wanted = categorySelect.value;
  const list = type ? categoriesForType(type) : [];
  let placeholder = 'choose';
  if (!type) placeholder = 'categoryTypeFirst';
  else if (!list.length) placeholder = 'categoryNone';
  const children = [h('option', { value: '', text: page.t(placeholder) })];

  // Group by group_name, groups in the order the API lists them.
  const groups = new Map();
  for (const c of list) {
    const key = c.group || c.group_name || '';
    if (!groups.has(key)) groups.set(key, { label: c.group_name || c.group || '', items: [] });
    groups.get(key).items.push(c);
  }
  for (const group of groups.values()) {
    const options = group.items.map((c) => h('option', { value: c.id, text: c.name || c.id }));
    if (group.label) {
      const optgroup = document.createElement('optgroup');
      optgroup.label = group.label; // a property: never parsed as HTML
      optgroup.append(...options);
      children.push(optgroup);
    } else {
      children.push(...options);
    }
  }
  categorySelect.replaceChildren(...children);
  if (list.some((c) => c.id === wanted)) categorySelect.value = wanted;
  else if (list.length === 1) categorySelect.value = list[0].id;
  else categorySelect.value = '';
  renderCategoryDescription();
}

function renderCategoryDescription() {
  const chosen = categories.find((c) => c && c.id === categorySelect.value);
  categoryDescription.textContent = (chosen && chosen.description) || '';
  categoryDescription.hidden = !categoryDescription.textContent;
}

function codePoints(text) {
  return [...text].length; // the server counts characters, not UTF-16 units
}

function counterText() {
  const count = codePoints(description.value.trim());
  let key = 'counter';
  if (count < MIN_DESCRIPTION) key = 'counterShort';
  else if (count > MAX_DESCRIPTION) key = 'counterLong';
  counter.classList.toggle('is-warning', count > 0 && count < MIN_DESCRIPTION);
  counter.classList.toggle('is-error', count > MAX_DESCRIPTION);
  return page.t(key, { count, max: MAX_DESCRIPTION, min: MIN_DESCRIPTION, over: count - MAX_DESCRIPTION });
}

function updateCounter(fromTyping) {
  const text = counterText();
  counter.textContent = text;
  if (fromTyping) {
    // Tell screen-reader users the count once they pause, not on every key.
    clearTimeout(counterTimer);
    counterTimer = setTimeout(() => {
      counterLive.textContent = text;
    }, 1200);
  }
}

function capitalize(text) {
  return text ? text.charAt(0).toLocaleUpperCase(intlLocale(page.lang)) + text.slice(1) : text;
}

function weekdayNames() {
  const fmt = new Intl.DateTimeFormat(intlLocale(page.lang), { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return DAYS.map((_, i) => capitalize(fmt.format(new Date(Date.UTC(2024, 0, 1 + i)))));
}

function intervalsText(intervals) {
  const valid = Array.isArray(intervals) ? intervals.filter((iv) => Array.isArray(iv) && iv.length === 2) : [];
  if (!valid.length) return page.t('closed');
  return valid.map(([from, to]) => `${from}–${to}`).join(', ');
}

function renderAside() {
  const m = page.municipality || {};
  const aside = $('contacts');
  const services = (Array.isArray(m.services) ? m.services : []).filter((s) => s && s.address);
  const list = $('services-list');
  list.replaceChildren(
    ...services.map((s) => {
      const address = String(s.address);
      const mail = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/.test(address)
        ? h('a', { href: `mailto:${address}`, text: address })
        : h('span', { text: address });
      return h(
        'li',
        {},
        h('span', { class: 'service-name', text: s.name || s.id || '' }),
        s.department_name && s.department_name !== s.name ? h('span', { class: 'service-dept', text: s.department_name }) : null,
        mail,
      );
    }),
  );
  $('services-block').hidden = !services.length;

  const hours = m.working_hours && typeof m.working_hours === 'object' ? m.working_hours : null;
  const body = $('hours-body');
  if (hours) {
    const names = weekdayNames();
    // Consecutive days with the same hours share a row: "Monday – Friday  07:30–15:30".
    const rows = [];
    DAYS.forEach((day, i) => {
      const text = intervalsText(hours[day]);
      const last = rows[rows.length - 1];
      if (last && last.text === text) last.to = i;
      else rows.push({ from: i, to: i, text });
    });
    body.replaceChildren(
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', text: r.from === r.to ? names[r.from] : `${names[r.from]} – ${names[r.to]}` }),
          // One line per interval ("07:00–12:00", "13:00–16:00"): narrow screens stay narrow.
          h('td', {}, ...r.text.split(', ').map((part) => h('span', { class: 'interval', text: part }))),
        ),
      ),
    );
    $('hours-note').textContent = m.time_zone ? page.t('hoursNote', { tz: m.time_zone }) : '';
  }
  $('hours-block').hidden = !hours;
  aside.hidden = !services.length && !hours;
  renderPhone(aside);
}

/** The coordinates' hint, with an example in the municipality when it gives one. */
function renderCoordHint() {
  const example = (page.municipality || {}).location_example;
  const known = example && Number.isFinite(example.lat) && Number.isFinite(example.lon);
  $('coord-hint').textContent = known
    ? page.t('coordHintExample', { lat: example.lat.toFixed(4), lon: example.lon.toFixed(4) })
    : page.t('coordHint');
}

function renderGeoStatus() {
  geoStatus.textContent = geoMessage ? page.t(geoMessage.key, geoMessage.params) : '';
}

function renderSendError() {
  if (!lastSendError) return;
  sendErrorText.textContent = lastSendError.text || page.t(lastSendError.key, lastSendError.params);
}

// Dynamic texts that follow the language immediately.
function retranslate() {
  updateCounter(false);
  renderCoordHint();
  renderGeoStatus();
  renderSendError();
  if (lastFieldErrors) renderFieldErrors(lastFieldErrors);
  photos.retranslate();
  submitButton.textContent = page.t(sending ? 'sending' : 'submit');
}

function render(data) {
  categories = Array.isArray(data && data.categories) ? data.categories : [];
  renderTypes();
  renderCategories();
  applyPreset(categories);
  renderAside();
  retranslate();
  prefillFromAccount({ name: nameInput, email: emailInput, phone: phoneInput, type: typeSelect });
}

// ---------------------------------------------------------------- errors

function clearFieldErrors() {
  lastFieldErrors = null;
  for (const id of INPUT_ORDER) {
    const input = $(id);
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', input.dataset.describedby);
    if (!input.dataset.describedby) input.removeAttribute('aria-describedby');
    const field = input.closest('.field');
    if (field) field.classList.remove('has-error');
    const error = $(`${id}-error`);
    error.hidden = true;
    error.replaceChildren();
  }
  for (const group of Object.values(FIELD_GROUPS)) {
    const error = $(group.error);
    error.hidden = true;
    error.replaceChildren();
  }
  summary.hidden = true;
  summaryList.replaceChildren();
}

function labelOf(field) {
  const key = FIELD_LABELS[field];
  return key ? page.t(key) : '';
}

/** Shows the 400 validation_failed `fields` next to their inputs and in the summary. */
function renderFieldErrors(fields) {
  clearFieldErrors();
  lastFieldErrors = fields;
  const perError = new Map(); // error element id -> {inputs, messages}
  const items = [];
  fields.forEach((f, index) => {
    const field = typeof f.field === 'string' ? f.field : '';
    const message = (typeof f.message === 'string' && f.message) || f.code || '';
    const single = FIELD_INPUTS[field];
    const target = FIELD_GROUPS[field] || (single ? { error: `${single}-error`, inputs: [single] } : null);
    if (target) {
      if (!perError.has(target.error)) perError.set(target.error, { inputs: target.inputs, messages: [] });
      perError.get(target.error).messages.push(message);
    }
    const label = labelOf(field);
    items.push({ inputId: target ? target.inputs[0] : null, index, text: label ? `${label}: ${message}` : message });
  });

  for (const [errorId, { inputs, messages }] of perError) {
    const error = $(errorId);
    error.replaceChildren(
      h('span', { class: 'visually-hidden', 'data-i18n': 'errorPrefix', text: page.t('errorPrefix') }),
      ` ${messages.join(' ')}`,
    );
    error.hidden = false;
    for (const id of inputs) {
      const input = $(id);
      input.setAttribute('aria-invalid', 'true');
      const described = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      input.setAttribute('aria-describedby', [...new Set([...described, errorId])].join(' '));
      const container = input.closest('.field');
      if (container) container.classList.add('has-error');
    }
  }

  // In the order of the form, field-less errors first.
  const rank = (item) => (item.inputId ? INPUT_ORDER.indexOf(item.inputId) + 1 : 0);
  items.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  summaryList.replaceChildren(
    ...items.map((item) =>
      h('li', {}, item.inputId ? h('a', { href: `#${item.inputId}`, text: item.text }) : h('span', { text: item.text })),
    ),
  );
  summary.hidden = false;
}

summaryList.addEventListener('click', (event) => {
  const link = event.target.closest('a[href^="#"]');
  if (!link) return;
  const input = document.getElementById(link.getAttribute('href').slice(1));
  if (!input) return;
  event.preventDefault();
  // Show the label (and the error above the input) too, then put the caret in the field.
  const container = input.closest('.field') || input;
  container.scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
});

function hideSendError() {
  lastSendError = null;
  sendError.hidden = true;
}

function showSendError(error) {
  if (error.status === 0) lastSendError = { key: 'errorNetwork' };
  else if (error.serverMessage) lastSendError = { text: error.serverMessage };
  else lastSendError = { key: 'errorGeneric', params: { status: error.status } };
  renderSendError();
  sendError.hidden = false;
  focusElement(sendError);
  announce(`${page.t('errorTitle')}. ${sendErrorText.textContent}`);
}

// ---------------------------------------------------------------- sending

function numberOrText(value) {
  const text = value.trim();
  if (!text) return undefined;
  const normalized = text.replace(',', '.');
  // Anything that is not a plain decimal goes as typed: the server explains what is wrong.
  return /^[-+]?\d+(\.\d+)?$/.test(normalized) ? Number(normalized) : text;
}

function compact(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined && value !== '') out[key] = value;
  return Object.keys(out).length ? out : undefined;
}

function buildPayload() {
  const payload = {
    type: typeSelect.value || undefined,
    category: categorySelect.value || undefined,
    description: description.value.trim(),
    language: page.lang,
    channel: 'web',
    location: compact({
      lat: numberOrText(latInput.value),
      lon: numberOrText(lonInput.value),
      address: addressInput.value.trim(),
    }),
    contact: compact({
      name: nameInput.value.trim(),
      email: emailInput.value.trim(),
      phone: phoneInput.value.trim(),
    }),
    attachments: photos.uploadIds().length ? photos.uploadIds() : undefined,
  };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  return Object.assign(payload, embedFields());
}

function safeTrackingUrl(answer) {
  try {
    const url = new URL(answer.tracking_url, window.location.href);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
  } catch (err) {
    /* fall through */
  }
  const own = new URL(pageUrl('track.html', { number: answer.number, token: answer.token }), window.location.href);
  return own.href;
}

function setSending(on) {
  sending = on;
  submitButton.disabled = on;
  submitButton.textContent = page.t(on ? 'sending' : 'submit');
  form.setAttribute('aria-busy', on ? 'true' : 'false');
}

function showSuccess(answer) {
  const url = safeTrackingUrl(answer);
  $('success-number').textContent = answer.number || '';
  const link = $('success-link');
  link.href = url;
  link.textContent = url;
  $('success-open').href = url;
  $('copy-status').textContent = '';
  form.hidden = true;
  success.hidden = false;
  focusElement(success);
  formSent(answer);
  announce(page.t('successAnnounce', { number: answer.number || '' }));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending) return; // a double click or a second Enter while the first is on its way
  setSending(true);
  if (!(await photos.ready())) {
    setSending(false);
    showSendError({ status: -1, serverMessage: page.t('photoNotReady') });
    return;
  }
  const payload = buildPayload();
  if (!idempotencyKey) idempotencyKey = newIdempotencyKey();
  setSending(true);
  hideSendError();
  announce(page.t('sending'));
  try {
    const answer = (await fileWithAccount(payload, idempotencyKey)) || (await createCase(payload, idempotencyKey));
    clearFieldErrors();
    idempotencyKey = null;
    showSuccess(answer);
    showRegistry(answer);
  } catch (error) {
    formFailed();
    // A refusal (400, 413) proves no case was created: the corrected form is a new fill.
    // After a network error, 5xx, 409 or 429 the case may exist: keep the key for the retry.
    if (error.status === 400 || error.status === 413) idempotencyKey = null;
    if (error.status === 400 && error.code === 'validation_failed' && error.fields.length) {
      renderFieldErrors(error.fields);
      focusElement(summary);
      announce(page.t('errorsAnnounce', { n: error.fields.length }));
    } else {
      clearFieldErrors();
      showSendError(error);
    }
  } finally {
    setSending(false);
  }
});

// ---------------------------------------------------------------- interactions

typeSelect.addEventListener('change', renderCategories);
typeSelect.addEventListener('change', () => explainAccountType(typeSelect.value));
categorySelect.addEventListener('change', renderCategoryDescription);
description.addEventListener('input', () => updateCounter(true));

geoButton.addEventListener('click', () => {
  if (!('geolocation' in navigator)) {
    geoMessage = { key: 'geoUnsupported' };
    renderGeoStatus();
    return;
  }
  geoButton.disabled = true;
  geoMessage = { key: 'geoLocating' };
  renderGeoStatus();
  navigator.geolocation.getCurrentPosition(
    (position) => {
      latInput.value = position.coords.latitude.toFixed(6);
      lonInput.value = position.coords.longitude.toFixed(6);
      lonInput.dispatchEvent(new Event('change', { bubbles: true })); // the map follows
      geoMessage = { key: 'geoDone', params: { m: Math.round(position.coords.accuracy || 0) } };
      renderGeoStatus();
      geoButton.disabled = false;
    },
    (err) => {
      geoMessage = { key: err && err.code === 1 ? 'geoDenied' : 'geoUnavailable' };
      renderGeoStatus();
      geoButton.disabled = false;
    },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
  );
});

$('success-copy').addEventListener('click', async () => {
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText($('success-link').href);
    status.textContent = page.t('copied');
  } catch (err) {
    status.textContent = page.t('copyFailed');
  }
});

$('success-new').addEventListener('click', () => {
  form.reset();
  photos.reset();
  clearFieldErrors();
  hideSendError();
  idempotencyKey = null;
  geoMessage = null;
  renderGeoStatus();
  renderTypes();
  renderCategories();
  updateCounter(false);
  success.hidden = true;
  form.hidden = false;
  formReset();
  focusElement($('page-title'));
});

updateCounter(false);
startPage({
  titleKey: 'formTitle',
  loadData: (lang) => getCategories(lang),
  render,
  onTexts: retranslate,
});
