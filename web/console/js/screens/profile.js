// One's own profile: who the console thinks you are, your roles and departments, the language
// of the console and of the API's answers (custom:language, written by the API after checking it),
// and a password change.
import { html, useState } from '../lib.js';
import * as auth from '../auth.js';
import { api } from '../api.js';
import { t, LANGUAGES, LANGUAGE_NAMES, setLanguage } from '../i18n.js';
import { Alert, Field, Page, useSession, useAction } from '../ui.js';

function authText(error) {
  if (!error) return null;
  const key = `auth.${error.code}`;
  const text = t(key);
  if (error.status !== undefined) return error.body?.message || t('error.server');
  return text === key ? t('auth.default', { code: error.code }) : text;
}

function LanguageForm({ me, reloadMe }) {
  const [chosen, setChosen] = useState(me.language);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  async function save(event) {
    event.preventDefault();
    setSaved(false);
    const done = await run(async () => {
      await api.put('/v1/admin/me/language', { language: chosen });
      await auth.refresh(); // the ID token's custom:language, which the API reads
      return true;
    });
    if (done) {
      setLanguage(chosen);
      await reloadMe();
      setSaved(true);
    }
  }
  return html`<form class="card" onSubmit=${save}>
    <h2>${t('profile.language')}</h2>
    <${Field} label=${t('profile.language')} hint=${t('profile.language.hint')}>${({ id, describedBy }) => html`
      <select id=${id} value=${chosen} aria-describedby=${describedBy} onChange=${(e) => setChosen(e.currentTarget.value)}>
        ${LANGUAGES.map((lang) => html`<option value=${lang} lang=${lang}>${LANGUAGE_NAMES[lang]}</option>`)}
      </select>`}</${Field}>
    <${Alert} kind="error">${authText(error)}</${Alert}>
    ${saved ? html`<${Alert} kind="success">${t('profile.language.saved')}</${Alert}>` : null}
    <button type="submit" disabled=${busy}>${t('common.save')}</button>
  </form>`;
}

function PasswordForm() {
  const [changed, setChanged] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const { busy, error, run } = useAction();
  async function change(event) {
    event.preventDefault();
    const form = event.currentTarget;
    setChanged(false);
    if (form.proposed.value !== form.repeat.value) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const done = await run(async () => {
      await auth.changePassword(form.previous.value, form.proposed.value);
      return true;
    });
    if (done) {
      form.reset();
      setChanged(true);
    }
  }
  return html`<form class="card" onSubmit=${change} novalidate>
    <h2>${t('profile.password')}</h2>
    <${Field} label=${t('profile.password.current')} required>${({ id }) => html`
      <input id=${id} name="previous" type="password" autocomplete="current-password" required />`}</${Field}>
    <${Field} label=${t('profile.password.new')} hint=${t('signin.password_rules')} required>${({ id, describedBy }) => html`
      <input id=${id} name="proposed" type="password" autocomplete="new-password" required aria-describedby=${describedBy} />`}</${Field}>
    <${Field} label=${t('profile.password.repeat')} error=${mismatch ? t('signin.passwords_differ') : null} required>${({ id, describedBy, invalid }) => html`
      <input id=${id} name="repeat" type="password" autocomplete="new-password" required aria-describedby=${describedBy} aria-invalid=${invalid} />`}</${Field}>
    <${Alert} kind="error">${authText(error)}</${Alert}>
    ${changed ? html`<${Alert} kind="success">${t('profile.password.changed')}</${Alert}>` : null}
    <button type="submit" disabled=${busy}>${t('profile.password.submit')}</button>
  </form>`;
}

export function ProfileScreen() {
  const { me, reloadMe } = useSession();
  const permissions = Object.keys(me.permissions || {});
  return html`<${Page} title=${t('profile.title')}>
    <dl class="facts card">
      <dt>${t('profile.name')}</dt><dd>${me.name}</dd>
      <dt>${t('profile.username')}</dt><dd>${me.username}</dd>
      <dt>${t('profile.email')}</dt><dd>${me.email}</dd>
      <dt>${t('profile.roles')}</dt><dd>${me.roles.map((r) => r.name).join(', ')}</dd>
      <dt>${t('profile.departments')}</dt>
      <dd>${me.departments.length ? me.departments.map((d) => d.name).join(', ') : t('profile.no_departments')}</dd>
      <dt>${t('profile.permissions')}</dt><dd>${t('profile.permissions.count', { count: permissions.length })}</dd>
    </dl>
    <div class="columns">
      <${LanguageForm} me=${me} reloadMe=${reloadMe} />
      <${PasswordForm} />
    </div>
  </${Page}>`;
}
