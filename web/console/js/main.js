// The console's start: its texts, how to sign in (from the API), the tab's session if there is
// one, then the app.
import { html, render } from './lib.js';
import { register, setLanguage, supported, DEFAULT_LANGUAGE } from './i18n.js';
import * as auth from './auth.js';
import { signInConfiguration } from './api.js';
import common from './messages/common.js';
import { App } from './app.js';
import { findRoute } from './routes.js';
import { parse } from './router.js';

register(common);

function browserLanguage() {
  for (const lang of navigator.languages || [navigator.language]) {
    const found = supported(lang);
    if (found) return found;
  }
  return DEFAULT_LANGUAGE;
}

const CONFIG_KEY = 'civicdesk.console.sign-in';

/** How to sign in: this tab's copy when it has one (checked again in the background), else the
 * API's answer. */
async function configuration() {
  const fresh = signInConfiguration().then((config) => {
    sessionStorage.setItem(CONFIG_KEY, JSON.stringify(config));
    return config;
  });
  const kept = sessionStorage.getItem(CONFIG_KEY);
  if (kept) {
    fresh.catch(() => {}); // the kept copy serves; the next start tries again
    return JSON.parse(kept);
  }
  return fresh;
}

async function start() {
  const chosen = new URLSearchParams(window.location.search).get('lang');
  setLanguage(supported(chosen) || browserLanguage());
  // The screen the URL names starts loading now, beside the sign-in and GET /v1/admin/me.
  findRoute(parse().path)?.route.screen.preload?.();
  let configError = null;
  try {
    auth.configure(await configuration());
    await auth.restore();
  } catch (error) {
    configError = error;
  }
  const root = document.getElementById('app');
  root.replaceChildren(); // the boot text
  render(html`<${App} configError=${configError} />`, root);
}

start();
