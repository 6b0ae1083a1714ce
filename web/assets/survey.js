// survey.html: answer a survey through a one-time link (survey.html#token=...). The token is
// in the fragment: browsers never send it to a server nor as a referrer; this page sends it
// to /v1/public/surveys/{token} itself (docs/surveys.md). The first answer counts.

import { page, startPage, announce, focusElement } from './page.js';
import { ApiError } from './api.js';
import { STORAGE_KEY, STRINGS } from './i18n.js';
import { h } from './dom.js';
import { SURVEY_STRINGS } from './survey-texts.js';

for (const [lang, texts] of Object.entries(SURVEY_STRINGS)) Object.assign(STRINGS[lang], texts);

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') || '';
const TOKEN_RE = /^[0-9a-f]{16}\.[0-9a-f]{24}\.[A-Za-z0-9_-]{22}$/;

let survey = null; // the survey in page.lang, once loaded
let unavailable = null; // {text} when the link cannot be answered
let done = false;
let busy = false;
let sendError = ''; // a failure to send that trying again may cure
const errors = new Map(); // question id -> message

async function request(method, body, lang) {
  const path = `/v1/public/surveys/${encodeURIComponent(token)}${lang ? `?lang=${encodeURIComponent(lang)}` : ''}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json; charset=utf-8' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch (err) {
    throw new ApiError({ status: 0, code: 'network_error', message: '' });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError({ status: response.status, code: error.code, message: error.message, fields: error.fields });
  }
  return data;
}

/** The survey in `lang`; a refusal (404 unknown, 409 answered or closed) is shown, not thrown. */
async function loadSurvey(lang) {
  if (!TOKEN_RE.test(token)) return { refused: page.t('surveyInvalidLink') };
  try {
    return { survey: await request('GET', null, lang) };
  } catch (err) {
    if (err.status === 404 || err.status === 409) return { refused: err.serverMessage || page.t('surveyInvalidLink') };
    throw err;
  }
}

function questionId(q) {
  return `q-${q.id}`;
}

function choices(q) {
  if (q.kind === 'scale') {
    return [1, 2, 3, 4, 5].map((n) => ({
      value: n,
      text: n === 1 ? `1 – ${page.t('surveyScaleLow')}` : n === 5 ? `5 – ${page.t('surveyScaleHigh')}` : String(n),
    }));
  }
  if (q.kind === 'yes_no') return [{ value: true, text: page.t('surveyYes') }, { value: false, text: page.t('surveyNo') }];
  return q.options.map((o) => ({ value: o.id, text: o.text }));
}

function legendOf(q) {
  return [q.text, q.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
    q.required ? h('span', { class: 'visually-hidden' }, ` (${page.t('surveyRequired')})`) : null];
}

function errorLine(q) {
  const message = errors.get(q.id);
  return message ? h('p', { class: 'field-error', id: `${questionId(q)}-error` }, message) : null;
}

function renderQuestion(q, index) {
  const id = questionId(q);
  const invalid = errors.has(q.id);
  const describedBy = invalid ? `${id}-error` : null;
  if (q.kind === 'free_text') {
    return h('div', { class: `field${invalid ? ' has-error' : ''}`, id },
      h('label', { for: `${id}-input` }, legendOf(q)),
      errorLine(q),
      h('textarea', { id: `${id}-input`, name: q.id, maxlength: '2000', rows: '5',
        'aria-describedby': describedBy, 'aria-invalid': invalid ? 'true' : null,
        'aria-required': q.required ? 'true' : null }));
  }
  const multiple = q.kind === 'multiple_choice';
  return h('fieldset', { class: `field survey-question${invalid ? ' has-error' : ''}`, id,
    'aria-describedby': describedBy },
  h('legend', {}, legendOf(q)),
  errorLine(q),
  h('div', { class: `survey-choices${q.kind === 'scale' ? ' survey-scale' : ''}` },
    choices(q).map((choice, n) => {
      const inputId = `${id}-${n}`;
      return h('div', { class: 'survey-choice' },
        h('input', { type: multiple ? 'checkbox' : 'radio', id: inputId, name: q.id, value: String(choice.value),
          required: q.required && !multiple, 'aria-invalid': invalid ? 'true' : null, 'data-index': String(index) }),
        h('label', { for: inputId }, choice.text));
    })));
}

function render() {
  $('survey-unavailable').hidden = !unavailable;
  if (unavailable) $('survey-unavailable-text').textContent = unavailable;
  const form = $('survey-form');
  form.hidden = Boolean(!survey || unavailable || done);
  $('survey-done').hidden = !done;
  if (!survey || done) return;
  $('page-title').textContent = survey.title;
  document.title = `${survey.title} — ${(page.municipality && page.municipality.name) || 'CivicDesk'}`;
  $('survey-intro').textContent = survey.intro || '';
  $('survey-intro').hidden = !survey.intro;
  const kept = collect();
  $('survey-questions').replaceChildren(...survey.questions.map(renderQuestion));
  restore(kept);
  const summary = $('survey-errors');
  summary.hidden = errors.size === 0;
  $('survey-errors-list').replaceChildren(...survey.questions.filter((q) => errors.has(q.id)).map((q) =>
    h('li', {}, h('a', { href: `#${questionId(q)}` }, `${q.text}: ${errors.get(q.id)}`))));
  $('survey-send-error').hidden = !sendError;
  $('survey-send-error-text').textContent = sendError;
  const submit = $('survey-submit');
  submit.textContent = page.t(busy ? 'surveySending' : 'surveySubmit');
  submit.disabled = busy;
}

/** The answers as the form holds them: {question id: value}. */
function collect() {
  const answers = {};
  if (!survey) return answers;
  for (const q of survey.questions) {
    if (q.kind === 'free_text') {
      const box = document.getElementById(`${questionId(q)}-input`);
      if (box && box.value.trim()) answers[q.id] = box.value.trim();
      continue;
    }
    const picked = [...document.querySelectorAll(`input[name="${CSS.escape(q.id)}"]:checked`)].map((i) => i.value);
    if (!picked.length) continue;
    if (q.kind === 'multiple_choice') answers[q.id] = picked;
    else if (q.kind === 'scale') answers[q.id] = Number(picked[0]);
    else if (q.kind === 'yes_no') answers[q.id] = picked[0] === 'true';
    else answers[q.id] = picked[0];
  }
  return answers;
}

function restore(answers) {
  for (const [id, value] of Object.entries(answers)) {
    const q = survey.questions.find((x) => x.id === id);
    if (!q) continue;
    if (q.kind === 'free_text') {
      const box = document.getElementById(`${questionId(q)}-input`);
      if (box) box.value = value;
      continue;
    }
    const values = (Array.isArray(value) ? value : [value]).map(String);
    for (const input of document.querySelectorAll(`input[name="${CSS.escape(id)}"]`)) {
      input.checked = values.includes(input.value);
    }
  }
}

function showErrors() {
  render();
  const summary = $('survey-errors');
  focusElement(summary);
  announce(summary.textContent.trim());
}

async function submit(event) {
  event.preventDefault();
  if (busy || !survey) return;
  const answers = collect();
  errors.clear();
  for (const q of survey.questions) {
    if (q.required && !(q.id in answers)) errors.set(q.id, page.t('surveyAnswerRequired'));
  }
  if (errors.size) {
    showErrors();
    return;
  }
  busy = true;
  sendError = '';
  render();
  try {
    await request('POST', { answers }, page.lang);
    done = true;
  } catch (err) {
    if (err.status === 400 && err.fields.length) {
      for (const f of err.fields) errors.set(String(f.field).replace(/^answers\./, ''), f.message);
    } else if (err.status === 404 || err.status === 409) {
      unavailable = err.serverMessage || page.t('surveyInvalidLink');
    } else {
      sendError = page.t(err.status === 0 ? 'surveyNetwork' : 'surveyFailed', { status: err.status });
    }
  }
  busy = false;
  if (errors.size) {
    showErrors();
    return;
  }
  render();
  const shown = done ? $('survey-done') : unavailable ? $('survey-unavailable') : $('survey-send-error');
  focusElement(shown);
  announce(shown.textContent.trim());
}

$('survey-form').addEventListener('submit', submit);

/** Without a language asked for (?lang=, or one chosen before), the recipient's own: the
 *  language their invitation was sent in, which the survey answers in by default. */
async function recipientLanguage() {
  const query = new URLSearchParams(window.location.search);
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch (err) {
    stored = null;
  }
  if (query.get('lang') || stored || !TOKEN_RE.test(token)) return;
  try {
    const found = await request('GET', null, null);
    const url = new URL(window.location.href);
    url.searchParams.set('lang', found.language);
    window.history.replaceState(window.history.state, '', url);
  } catch (err) {
    /* the page's own load reports it */
  }
}

await recipientLanguage();

startPage({
  titleKey: 'surveyPageTitle',
  loadData: loadSurvey,
  render: (data) => {
    survey = data.survey || null;
    unavailable = data.refused || null;
    render();
    if (unavailable) focusElement($('survey-unavailable'));
  },
  onTexts: render,
});
