// account.html: a citizen's account (docs/accounts.md): sign in, sign up and confirm the address
// with the mailed code, reset the password, and once signed in "my cases" (with registry numbers
// and links to each case's page with its answers), "my subscriptions" (follow and unfollow with
// one click), the profile that prefills the report form, and the password change. The fragment
// picks the first view: #sign-up, #reset; anything else signs in.

import { mergeAccountTexts } from './account-texts.js';
import { page, startPage, announce, focusElement, applyStaticTexts } from './page.js';
import { LANGUAGES } from './i18n.js';
import { h } from './dom.js';
import * as auth from './account-auth.js';

mergeAccountTexts();

const $ = (id) => document.getElementById(id);
const VIEWS = ['view-signin', 'view-signup', 'view-confirm', 'view-reset', 'view-home'];
const state = { view: 'view-signin', pendingEmail: '', data: null, message: null, error: null };

function show(view, focus = true) {
  state.view = view;
  for (const id of VIEWS) $(id).hidden = id !== view;
  const heading = $(view).querySelector('h2');
  if (focus && heading) {
    heading.tabIndex = -1;
    focusElement(heading);
  }
}

function errorText(error) {
  const code = (error && error.code) || 'Unknown';
  if (error && error.status !== undefined && error.message) return error.message; // our API's, translated
  const key = `accountErr_${code}`;
  const text = page.t(key);
  return text === key ? page.t('accountErr_generic', { code }) : text;
}

function fail(error) {
  state.error = error;
  state.message = null;
  $('account-status').hidden = true;
  $('account-error-text').textContent = errorText(error);
  $('account-error').hidden = false;
  focusElement($('account-error'));
  announce($('account-error-text').textContent);
}

function tell(key, params) {
  state.message = { key, params };
  state.error = null;
  $('account-error').hidden = true;
  const status = $('account-status');
  status.textContent = page.t(key, params);
  status.hidden = false;
  announce(status.textContent);
}

function clearMessages() {
  state.message = null;
  state.error = null;
  $('account-error').hidden = true;
  $('account-status').hidden = true;
}

function required(...ids) {
  for (const id of ids) {
    if (!$(id).value.trim()) {
      fail({ code: 'required' });
      $('account-error-text').textContent = page.t('accountFieldRequired');
      focusElement($(id));
      return false;
    }
  }
  return true;
}

async function busy(form, work) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
    form.setAttribute('aria-busy', 'false');
  }
}

// ---------------------------------------------------------------- signed in

function date(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat(page.lang === 'en' ? 'en-GB' : page.lang, { dateStyle: 'medium' })
    .format(new Date(value));
}

function renderCases(cases) {
  const count = cases.length;
  $('cases-count').textContent = count
    ? page.t(`accountCasesCount.${auth.plural(page.lang, count)}`, { count })
    : page.t('accountCasesNone');
  $('cases-table').hidden = !count;
  $('cases-body').replaceChildren(...cases.map((c) => h('tr', {},
    h('td', {}, c.number),
    h('td', {}, c.registry_number ? `${c.registry_number}, ${date(c.registered_at)}` :
      (c.filed_with_account ? date(c.created_at) : `${date(c.created_at)} (${page.t('accountEarlier')})`)),
    h('td', {}, c.type_name || c.type),
    h('td', {}, c.category_name || c.category),
    h('td', {}, c.status_name || c.status),
    h('td', {}, h('a', { href: c.tracking_url, text: page.t('accountOpenCase', { number: c.number }) })))));
}

function renderSubscriptions(subs) {
  $('subs-none').hidden = subs.length > 0;
  $('subs-list').replaceChildren(...subs.map((s) => h('li', {},
    h('a', { href: s.public_url, text: s.number }),
    ` ${s.available ? `${s.category_name || ''} — ${s.status_name || ''}` : `(${page.t('accountUnavailable')})`} `,
    h('button', { type: 'button', class: 'button secondary unfollow', 'data-number': s.number,
                  text: page.t('accountUnfollow', { number: s.number }) }))));
}

function renderProfile(profile) {
  $('profile-name').value = profile.name || '';
  $('profile-phone').value = profile.phone || '';
  $('profile-address').value = profile.postal_address || '';
  const offered = (page.municipality && page.municipality.languages) || LANGUAGES.map((l) => l.code);
  $('profile-language').replaceChildren(h('option', { value: '', text: '—' }),
    ...LANGUAGES.filter((l) => offered.includes(l.code)).map((l) => h('option', { value: l.code, lang: l.code, text: l.name })));
  $('profile-language').value = profile.language || '';
  $('password-username').value = profile.email || '';
}

function renderHome() {
  const session = auth.storedSession();
  $('signed-in-as').textContent = page.t('accountSignedInAs', { email: session ? session.email : '' });
  const data = state.data || {};
  renderCases((data.cases && data.cases.cases) || []);
  renderSubscriptions((data.subs && data.subs.subscriptions) || []);
}

async function loadAccount() {
  const [profile, cases, subs] = await Promise.all([
    auth.accountCall('GET', `/v1/public/account/profile?lang=${page.lang}`),
    auth.accountCall('GET', `/v1/public/account/cases?lang=${page.lang}`),
    auth.accountCall('GET', `/v1/public/account/subscriptions?lang=${page.lang}`),
  ]);
  return { profile, cases, subs };
}

async function enterHome(focus) {
  state.data = await loadAccount();
  renderProfile(state.data.profile);
  renderHome();
  show('view-home', focus);
}

// ---------------------------------------------------------------- the page

function initialView() {
  const hash = window.location.hash.slice(1);
  if (hash === 'sign-up') return 'view-signup';
  if (hash === 'reset') return 'view-reset';
  return 'view-signin';
}

async function loadData() {
  if (!auth.storedSession()) return null;
  try {
    return await loadAccount();
  } catch (error) {
    if (error.status === 401 || error.code === 'signed_out') {
      auth.forget();
      return null;
    }
    throw error;
  }
}

function render(data) {
  state.data = data;
  if (data && auth.storedSession()) {
    renderProfile(data.profile);
    renderHome();
    show('view-home', false);
  } else {
    show(state.view === 'view-home' ? 'view-signin' : initialView(), false);
  }
}

function retranslate() {
  applyStaticTexts();
  if (state.pendingEmail) $('confirm-intro').textContent = page.t('accountConfirmIntro', { email: state.pendingEmail });
  if (state.view === 'view-home' && state.data) renderHome();
  if (state.message) $('account-status').textContent = page.t(state.message.key, state.message.params);
  if (state.error) $('account-error-text').textContent = errorText(state.error);
}

$('to-signup').addEventListener('click', (e) => { e.preventDefault(); clearMessages(); show('view-signup'); });
$('to-reset').addEventListener('click', (e) => { e.preventDefault(); clearMessages(); show('view-reset'); });
for (const link of document.querySelectorAll('.to-signin')) {
  link.addEventListener('click', (e) => { e.preventDefault(); clearMessages(); show('view-signin'); });
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('signin-email', 'signin-password')) return;
  busy(event.target, async () => {
    const email = $('signin-email').value.trim().toLowerCase();
    try {
      await auth.signIn(email, $('signin-password').value);
    } catch (error) {
      if (error.code === 'UserNotConfirmedException') {
        state.pendingEmail = email;
        $('confirm-intro').textContent = page.t('accountConfirmIntro', { email });
        show('view-confirm');
      }
      throw error;
    }
    $('signin-password').value = '';
    clearMessages();
    await enterHome(true);
  });
});

$('signup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('signup-email', 'signup-password')) return;
  busy(event.target, async () => {
    const email = $('signup-email').value.trim().toLowerCase();
    await auth.signUp(email, $('signup-password').value, $('signup-name').value.trim(), page.lang);
    state.pendingEmail = email;
    $('signin-email').value = email;
    clearMessages();
    $('confirm-intro').textContent = page.t('accountConfirmIntro', { email });
    show('view-confirm');
  });
});

$('confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('confirm-code')) return;
  busy(event.target, async () => {
    await auth.confirmSignUp(state.pendingEmail, $('confirm-code').value);
    const password = $('signup-password').value;
    if (password) {
      await auth.signIn(state.pendingEmail, password);
      $('signup-password').value = '';
      clearMessages();
      await enterHome(true);
    } else {
      show('view-signin');
      tell('accountSignInTitle');
    }
  });
});

$('confirm-resend').addEventListener('click', async () => {
  try {
    await auth.resendCode(state.pendingEmail);
    tell('accountResent');
  } catch (error) {
    fail(error);
  }
});

$('reset-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('reset-email')) return;
  busy(event.target, async () => {
    await auth.forgotPassword($('reset-email').value.trim().toLowerCase());
    $('reset-confirm-form').hidden = false;
    clearMessages();
    focusElement($('reset-code'));
  });
});

$('reset-confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('reset-code', 'reset-password')) return;
  busy(event.target, async () => {
    const email = $('reset-email').value.trim().toLowerCase();
    await auth.confirmNewPassword(email, $('reset-code').value, $('reset-password').value);
    $('reset-password').value = '';
    $('reset-confirm-form').hidden = true;
    $('signin-email').value = email;
    show('view-signin');
    tell('accountResetDone');
  });
});

$('sign-out').addEventListener('click', async () => {
  await auth.signOut();
  state.data = null;
  show('view-signin');
});

$('profile-form').addEventListener('submit', (event) => {
  event.preventDefault();
  busy(event.target, async () => {
    const profile = await auth.accountCall('PUT', `/v1/public/account/profile?lang=${page.lang}`, {
      name: $('profile-name').value.trim() || null,
      phone: $('profile-phone').value.trim() || null,
      postal_address: $('profile-address').value.trim() || null,
      language: $('profile-language').value || null,
    });
    state.data.profile = profile;
    tell('accountSaved');
  });
});

$('password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('password-old', 'password-new')) return;
  busy(event.target, async () => {
    await auth.changePassword($('password-old').value, $('password-new').value);
    $('password-old').value = '';
    $('password-new').value = '';
    tell('accountPasswordChanged');
  });
});

async function refreshSubscriptions() {
  state.data.subs = await auth.accountCall('GET', `/v1/public/account/subscriptions?lang=${page.lang}`);
  renderHome();
}

$('follow-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!required('follow-number')) return;
  busy(event.target, async () => {
    const number = $('follow-number').value.trim();
    await auth.accountCall('PUT', `/v1/public/account/subscriptions/${encodeURIComponent(number)}?lang=${page.lang}`, {});
    $('follow-number').value = '';
    await refreshSubscriptions();
    tell('accountFollowed', { number });
  });
});

$('subs-list').addEventListener('click', async (event) => {
  const button = event.target.closest('button.unfollow');
  if (!button) return;
  const number = button.dataset.number;
  try {
    await auth.accountCall('DELETE', `/v1/public/account/subscriptions/${encodeURIComponent(number)}?lang=${page.lang}`);
    await refreshSubscriptions();
    tell('accountUnfollowed', { number });
    focusElement($('subs-title'));
  } catch (error) {
    fail(error);
  }
});

$('subs-title').tabIndex = -1;
startPage({ titleKey: 'accountTitle', loadData, render, onTexts: retranslate });
