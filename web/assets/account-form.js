// The report form's account hooks (web/index.html, form.js): with a signed-in citizen the form
// offers letters and FOI requests too, is filled in from the profile and files through
// POST /v1/public/account/cases (the case is the account's, with a registry number for a
// letter, complaint or FOI request); without one, choosing such a type says that it needs an
// account and links the sign-in. The session is this tab's (account-auth.js); an expired one
// counts as signed out here (account.html renews it).

import { STRINGS } from './i18n.js';
import { page, pageUrl } from './page.js';
import { h } from './dom.js';
import * as auth from './account-auth.js';

// The form's few account texts (the pages' are in account-texts.js, which the form does not load).
const FORM_STRINGS = {
  "sr-Cyrl": {
    "accountFormSignedIn": "Шаљете као {email} (ваш налог); подаци за контакт су из профила.",
    "accountFormNeedsAccount": "Дописи, притужбе и захтеви за информације шаљу се из налога.",
    "accountFormSignInLink": "Пријавите се или направите налог",
    "accountRegistryAssigned": "Деловодни број: {registry}."
  },
  "sr-Latn": {
    "accountFormSignedIn": "Šaljete kao {email} (vaš nalog); podaci za kontakt su iz profila.",
    "accountFormNeedsAccount": "Dopisi, pritužbe i zahtevi za informacije šalju se iz naloga.",
    "accountFormSignInLink": "Prijavite se ili napravite nalog",
    "accountRegistryAssigned": "Delovodni broj: {registry}."
  },
  "bg": {
    "accountFormSignedIn": "Изпращате като {email} (вашият профил); данните за контакт са от профила.",
    "accountFormNeedsAccount": "Писма, жалби и заявления за информация се подават от профил.",
    "accountFormSignInLink": "Влезте или създайте профил",
    "accountRegistryAssigned": "Входящ номер: {registry}."
  },
  "cs": {
    "accountFormSignedIn": "Posíláte jako {email} (váš účet); kontaktní údaje jsou z profilu.",
    "accountFormNeedsAccount": "Dopisy, stížnosti a žádosti o informace se podávají z účtu.",
    "accountFormSignInLink": "Přihlaste se nebo si založte účet",
    "accountRegistryAssigned": "Číslo jednací: {registry}."
  },
  "en": {
    "accountFormSignedIn": "You send this as {email} (your account); the contact details come from your profile.",
    "accountFormNeedsAccount": "Letters, complaints and requests for information are sent from an account.",
    "accountFormSignInLink": "Sign in or create an account",
    "accountRegistryAssigned": "Registry number: {registry}."
  }
};
for (const [lang, texts] of Object.entries(FORM_STRINGS)) Object.assign(STRINGS[lang], texts);

/** The types only an account may file (domain/accounts.ACCOUNT_ONLY_TYPES). */
export const ACCOUNT_TYPES = ['letter', 'complaint', 'foi_request'];

function session() {
  const stored = auth.storedSession();
  return stored && stored.expiresAt > Date.now() + 10_000 ? stored : null;
}

/** The form's type list: with an account, also letters and FOI requests. */
export function accountTypes(ids) {
  if (!session()) return ids;
  return [...ids, ...ACCOUNT_TYPES.filter((id) => !ids.includes(id))];
}

function note() {
  return document.getElementById('account-note');
}

/** Says who files (signed in), or that the chosen type needs an account (signed out). */
export function explainAccountType(type) {
  const box = note();
  if (!box) return;
  const signedIn = session();
  if (signedIn) {
    box.replaceChildren(page.t('accountFormSignedIn', { email: signedIn.email }));
    box.hidden = false;
  } else if (ACCOUNT_TYPES.includes(type)) {
    box.replaceChildren(`${page.t('accountFormNeedsAccount')} `,
      h('a', { href: pageUrl('account.html'), text: page.t('accountFormSignInLink') }));
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

/** Fills the empty contact fields from the profile (once per page). */
let prefilled = false;
export async function prefillFromAccount({ name, email, phone, type }) {
  explainAccountType(type ? type.value : '');
  if (prefilled || !session()) return;
  prefilled = true;
  try {
    const profile = await auth.accountCall('GET', '/v1/public/account/profile');
    if (name && !name.value) name.value = profile.name || '';
    if (email && !email.value) email.value = profile.email || '';
    if (phone && !phone.value) phone.value = profile.phone || '';
  } catch {
    prefilled = false; // signed out meanwhile: the form stays as it is
  }
}

/** Files the case with the account when signed in (the answer), else null. */
export async function fileWithAccount(payload, idempotencyKey) {
  if (!session()) return null;
  try {
    return await auth.accountCall('POST', `/v1/public/account/cases?lang=${page.lang}`, payload,
      idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : undefined);
  } catch (error) {
    if (error.status === 401) auth.forget();
    throw error;
  }
}

/** After a success: the registry number of a letter, complaint or FOI request. */
export function showRegistry(answer) {
  const box = note();
  if (!box || !answer || !answer.registry_number) return;
  box.replaceChildren(page.t('accountRegistryAssigned', { registry: answer.registry_number }));
  box.hidden = false;
}
