// Sign-in: username and password, then, when Cognito asks, a new password (first sign-in) or the
// TOTP code. The language menu is here too, since nobody is known yet.
import { html, useState } from '../lib.js';
import * as auth from '../auth.js';
import { t, language, setLanguage, LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { Alert, Field, Page } from '../ui.js';

function authText(error) {
  if (!error) return null;
  if (error.code === 'network') return t('auth.network');
  const key = `auth.${error.code}`;
  const text = t(key);
  return text === key ? t('auth.default', { code: error.code }) : text;
}

function LanguageMenu() {
  return html`<${Field} label="Language · Језик · Jazyk">${({ id }) => html`
    <select id=${id} value=${language()} onChange=${(e) => setLanguage(e.currentTarget.value)}>
      ${LANGUAGES.map((lang) => html`<option value=${lang} lang=${lang}>${LANGUAGE_NAMES[lang]}</option>`)}
    </select>`}</${Field}>`;
}

export function SignIn({ configError, notice, onSignedIn }) {
  const [step, setStep] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [mismatch, setMismatch] = useState(false);

  async function attempt(fn) {
    setBusy(true);
    setError(null);
    try {
      const answer = await fn();
      if (answer.challenge) setStep(answer);
      else onSignedIn();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  function submitPassword(event) {
    event.preventDefault();
    const form = event.currentTarget;
    attempt(() => auth.signIn(form.username.value, form.password.value));
  }

  function submitNewPassword(event) {
    event.preventDefault();
    const form = event.currentTarget;
    if (form.new_password.value !== form.repeat.value) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    attempt(() => auth.answerNewPassword(step, form.new_password.value));
  }

  function submitTotp(event) {
    event.preventDefault();
    attempt(() => auth.answerTotp(step, event.currentTarget.code.value));
  }

  if (configError) {
    return html`<main id="main" class="signin"><${Page} title=${t('signin.title')}>
      <${Alert} kind="error">${t('signin.unavailable')}</${Alert}></${Page}></main>`;
  }
  let body;
  if (step?.challenge === 'NEW_PASSWORD_REQUIRED') {
    body = html`<${Page} key="new-password" title=${t('signin.new_password.title')}>
      <p>${t('signin.new_password.intro')}</p>
      <${Alert} kind="error">${authText(error)}</${Alert}>
      <form key="new-password" onSubmit=${submitNewPassword} novalidate>
        <${Field} label=${t('signin.new_password')} hint=${t('signin.password_rules')} required>${({ id, describedBy }) => html`
          <input id=${id} name="new_password" type="password" autocomplete="new-password" required aria-describedby=${describedBy} />`}</${Field}>
        <${Field} label=${t('signin.new_password_repeat')} error=${mismatch ? t('signin.passwords_differ') : null} required>${({ id, describedBy, invalid }) => html`
          <input id=${id} name="repeat" type="password" autocomplete="new-password" required aria-describedby=${describedBy} aria-invalid=${invalid} />`}</${Field}>
        <button type="submit" disabled=${busy}>${t('signin.new_password.submit')}</button>
      </form></${Page}>`;
  } else if (step?.challenge === 'SOFTWARE_TOKEN_MFA') {
    body = html`<${Page} key="totp" title=${t('signin.totp.title')}>
      <p>${t('signin.totp.intro')}</p>
      <${Alert} kind="error">${authText(error)}</${Alert}>
      <form key="totp" onSubmit=${submitTotp} novalidate>
        <${Field} label=${t('signin.totp.code')} required>${({ id }) => html`
          <input id=${id} name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required />`}</${Field}>
        <button type="submit" disabled=${busy}>${t('signin.totp.submit')}</button>
      </form></${Page}>`;
  } else {
    body = html`<${Page} key="password" title=${t('signin.title')}>
      ${notice ? html`<${Alert} kind="info">${notice}</${Alert}>` : null}
      <${Alert} kind="error">${authText(error)}</${Alert}>
      <form key="password" onSubmit=${submitPassword} novalidate>
        <${Field} label=${t('signin.username')} required>${({ id }) => html`
          <input id=${id} name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required />`}</${Field}>
        <${Field} label=${t('signin.password')} required>${({ id }) => html`
          <input id=${id} name="password" type="password" autocomplete="current-password" required />`}</${Field}>
        <button type="submit" disabled=${busy}>${t('signin.submit')}</button>
      </form>
      <${LanguageMenu} /></${Page}>`;
  }
  return html`<main id="main" class="signin" tabindex="-1"><p class="brand-large">CivicDesk</p>${body}</main>`;
}
