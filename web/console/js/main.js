// The console's start: its texts, how to sign in (from the API), the tab's session if there is
// one, then the app.
import { html, render } from './lib.js';
import { register, setLanguage, supported, DEFAULT_LANGUAGE } from './i18n.js';
import * as auth from './auth.js';
import { signInConfiguration } from './api.js';
import common from './messages/common.js';
import { App } from './app.js';

register(common);

function browserLanguage() {
  for (const lang of navigator.languages || [navigator.language]) {
    const found = supported(lang);
    if (found) return found;
  }
  return DEFAULT_LANGUAGE;
}

async function start() {
  const chosen = new URLSearchParams(window.location.search).get('lang');
  setLanguage(supported(chosen) || browserLanguage());
  let configError = null;
  try {
    auth.configure(await signInConfiguration());
    await auth.restore();
  } catch (error) {
    configError = error;
  }
  const root = document.getElementById('app');
  root.replaceChildren(); // the boot text
  render(html`<${App} configError=${configError} />`, root);
}

start();
