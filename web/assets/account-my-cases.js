// my-cases.html: "my cases" without an account (docs/accounts.md). Without a fragment the page
// asks for the address and POST /v1/public/my-cases/link mails the link (always the same
// answer); with #token=<token> (the mailed link) it posts the token to POST /v1/public/my-cases
// and lists that address's reports and questions with a link to each one's page. The token
// stays in the fragment and the body: never in a URL a server logs.

import { mergeAccountTexts } from './account-texts.js';
import { page, startPage, announce, focusElement, applyStaticTexts } from './page.js';
import { h } from './dom.js';
import { plural } from './account-auth.js';

mergeAccountTexts();

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(window.location.hash.slice(1)).get('token') || '';
const state = { listed: null, error: null };

async function post(path, body) {
  let answer;
  try {
    answer = await fetch(`${path}?lang=${page.lang}`, {
      method: 'POST', cache: 'no-store', referrerPolicy: 'no-referrer',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
  } catch {
    throw { status: 0, text: page.t('accountErr_network') };
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) throw { status: answer.status, text: (data.error && data.error.message) || page.t('accountErr_generic', { code: answer.status }) };
  return data;
}

function fail(error) {
  state.error = error;
  $('link-error-text').textContent = error.status === 404 ? page.t('myCasesInvalid') : error.text;
  $('link-error').hidden = false;
  focusElement($('link-error'));
  announce($('link-error-text').textContent);
}

function renderList() {
  const data = state.listed;
  if (!data) return;
  $('list-title').textContent = page.t('myCasesListTitle', { email: data.email });
  const count = data.cases.length;
  $('list-count').textContent = count
    ? page.t(`accountCasesCount.${plural(page.lang, count)}`, { count })
    : page.t('accountCasesNone');
  $('list-table').hidden = !count;
  $('list-body').replaceChildren(...data.cases.map((c) => h('tr', {},
    h('td', {}, c.number), h('td', {}, c.type_name || c.type),
    h('td', {}, c.category_name || c.category), h('td', {}, c.status_name || c.status),
    h('td', {}, h('a', { href: c.tracking_url, text: page.t('accountOpenCase', { number: c.number }) })))));
}

async function loadData() {
  if (!token) return null;
  try {
    return await post('/v1/public/my-cases', { token });
  } catch (error) {
    return { failed: error };
  }
}

function render(data) {
  if (!token) {
    $('ask').hidden = false;
    return;
  }
  if (data && data.failed) {
    $('ask').hidden = false;
    fail(data.failed);
    return;
  }
  state.listed = data;
  $('list').hidden = false;
  renderList();
}

function retranslate() {
  applyStaticTexts();
  renderList();
  if (state.error) $('link-error-text').textContent = state.error.status === 404 ? page.t('myCasesInvalid') : state.error.text;
}

$('ask-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = $('ask-email').value.trim();
  if (!email) {
    fail({ status: 400, text: page.t('accountFieldRequired') });
    focusElement($('ask-email'));
    return;
  }
  const button = event.target.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await post('/v1/public/my-cases/link', { email, language: page.lang });
    $('link-error').hidden = true;
    state.error = null;
    $('ask-done').hidden = false;
    focusElement($('ask-done'));
    announce(page.t('myCasesSent'));
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
});

startPage({ titleKey: 'myCasesTitle', loadData, render, onTexts: retranslate });
