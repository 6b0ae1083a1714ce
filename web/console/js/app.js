// The console's frame: sign-in until there is a session, then the menu of what the staff member
// may do and the screen the URL names.
import { html, useState, useEffect, useMemo, useCallback } from './lib.js';
import * as auth from './auth.js';
import { api } from './api.js';
import { t, setLanguage, language, onLanguageChange, supported } from './i18n.js';
import { useRoute, navigate } from './router.js';
import { ROUTES, findRoute } from './routes.js';
import { SessionContext, Spinner, ErrorAlert, Alert, Page } from './ui.js';
import { SignIn } from './screens/signin.js';

function permitted(me) {
  const permissions = me?.permissions || {};
  return (action) => Boolean(permissions[action]) && permissions[action] !== 'none';
}

function Menu({ me, can, path }) {
  const entries = ROUTES.filter((r) => r.nav && r.allowed(can, me)).sort((a, b) => a.order - b.order);
  return html`<nav class="menu" aria-label=${t('nav.main')}>
    <ul>
      ${entries.map((r) => {
        const current = path === r.path || path.startsWith(`${r.path}/`);
        return html`<li><a href=${`#${r.path}`} aria-current=${current ? 'page' : undefined}>${t(r.nav)}</a></li>`;
      })}
      <li><a href="../api.html" target="_blank" rel="noopener">${t('nav.api_docs')}</a></li>
    </ul>
  </nav>`;
}

function Frame({ me, can, reloadMe, session, onSignOut }) {
  const route = useRoute();
  const allowedRoutes = ROUTES.filter((r) => r.nav && r.allowed(can, me)).sort((a, b) => a.order - b.order);
  const home = allowedRoutes[0]?.path || '/profile';
  useEffect(() => {
    if (route.path === '/') navigate(home, {}, { replace: true });
  }, [route.path, home]);
  useEffect(() => {
    // The home screen's module while the first screen renders; the other menu entries' once
    // the browser is idle, so that opening one later does not wait for the network.
    allowedRoutes[0]?.screen.preload?.();
    const later = () => allowedRoutes.slice(1).forEach((r) => r.screen.preload?.());
    const idle = window.requestIdleCallback ? window.requestIdleCallback(later, { timeout: 5000 }) : setTimeout(later, 2000);
    return () => (window.cancelIdleCallback ? window.cancelIdleCallback(idle) : clearTimeout(idle));
  }, []);
  const found = findRoute(route.path);
  const context = useMemo(() => ({ me, can, reloadMe, session, language: language() }),
    [me, can, reloadMe, session, language()]);
  let content;
  if (route.path === '/') content = null;
  else if (!found) content = html`<${Page} title=${t('error.not_found')}><${Alert} kind="error">${t('error.unknown_screen')}</${Alert}></${Page}>`;
  else if (!found.route.allowed(can, me)) content = html`<${Page} title=${t('error.forbidden')}><${Alert} kind="error">${t('error.forbidden')}</${Alert}></${Page}>`;
  else {
    const Screen = found.route.screen;
    content = html`<${Screen} key=${route.path} params=${found.params} query=${route.query} />`;
  }
  return html`<${SessionContext.Provider} value=${context}>
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>${t('nav.skip')}</a>
    <header class="top">
      <a class="brand" href=${`#${home}`}>CivicDesk <span>${t('app.console')}</span></a>
      <${Menu} me=${me} can=${can} path=${route.path} />
      <div class="who">
        <span>${t('nav.signed_in_as', { name: me.name || me.username })}</span>
        <button type="button" class="button-quiet" onClick=${onSignOut}>${t('nav.sign_out')}</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${content}</main>
  </${SessionContext.Provider}>`;
}

export function App({ configError }) {
  const [session, setSession] = useState(auth.current());
  const [notice, setNotice] = useState(null);
  const [me, setMe] = useState(null);
  const [meError, setMeError] = useState(null);
  const [, setLang] = useState(language());

  useEffect(() => onLanguageChange(setLang), []);
  useEffect(() => auth.onSessionChange((next) => {
    setSession((previous) => {
      if (previous && !next) setNotice((n) => n || t('signin.expired'));
      return next;
    });
  }), []);

  const reloadMe = useCallback(async () => {
    setMeError(null);
    try {
      const answer = await api.get('/v1/admin/me');
      setLanguage(supported(answer.language) || language());
      setMe(answer);
    } catch (error) {
      setMeError(error);
    }
  }, []);

  useEffect(() => {
    if (session) {
      const claimed = supported(session.claims?.['custom:language']);
      if (claimed) setLanguage(claimed);
      if (!me) reloadMe();
    } else {
      setMe(null);
    }
  }, [session]);

  const can = useMemo(() => permitted(me), [me]);
  if (!session) {
    return html`<${SignIn} configError=${configError} notice=${notice}
      onSignedIn=${() => setNotice(null)} />`;
  }
  if (meError) return html`<main id="main" class="page"><${ErrorAlert} error=${meError} />
    <button type="button" onClick=${reloadMe}>${t('common.retry')}</button></main>`;
  if (!me) return html`<main id="main" class="page"><${Spinner} /></main>`;
  const signOut = () => {
    setNotice(t('signin.signed_out'));
    auth.signOut();
  };
  return html`<${Frame} me=${me} can=${can} reloadMe=${reloadMe} session=${session} onSignOut=${signOut} />`;
}
