// The header's account entry (layout.js): "Sign in" signed out, "My account" with a session of
// this tab (account-auth.js's sessionStorage entry; no network). Its two texts are here, not in
// account-texts.js, so that a page without the account's forms does not load those.

import { STRINGS } from './i18n.js';
import { storedSession } from './account-auth.js';

const MENU_STRINGS = {
  "sr-Cyrl": {
    "navAccount": "Мој налог",
    "accountSignIn": "Пријави се"
  },
  "sr-Latn": {
    "navAccount": "Moj nalog",
    "accountSignIn": "Prijavi se"
  },
  "bg": {
    "navAccount": "Моят профил",
    "accountSignIn": "Вход"
  },
  "cs": {
    "navAccount": "Můj účet",
    "accountSignIn": "Přihlásit se"
  },
  "en": {
    "navAccount": "My account",
    "accountSignIn": "Sign in"
  }
};

export function accountMenuItem() {
  for (const [lang, texts] of Object.entries(MENU_STRINGS)) Object.assign(STRINGS[lang], texts);
  const session = storedSession();
  const signedIn = Boolean(session && session.expiresAt > Date.now());
  return { href: 'account.html', key: signedIn ? 'navAccount' : 'accountSignIn', keepLang: true };
}
