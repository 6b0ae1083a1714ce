// The header's account entry (layout.js): "Sign in" signed out, "My account" with a session of
// this tab (account-auth.js's sessionStorage entry; no network). Merges the account texts, so
// that every page can translate it.

import { mergeAccountTexts } from './account-texts.js';
import { storedSession } from './account-auth.js';

export function accountMenuItem() {
  mergeAccountTexts();
  const session = storedSession();
  const signedIn = Boolean(session && session.expiresAt > Date.now());
  return { href: 'account.html', key: signedIn ? 'navAccount' : 'accountSignIn', keepLang: true };
}
