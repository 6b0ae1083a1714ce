// Routes live in the URL's fragment (`/console/#/cases/2026-000123`): every screen has a link
// that can be bookmarked, shared and reloaded, and the web bucket and the local runtime serve one
// file, `/console/index.html`, for all of them (docs/decisions.md).
import { useEffect, useState } from './lib.js';

export function parse(hash = window.location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
}

export function href(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function navigate(path, query = {}, { replace = false } = {}) {
  const target = href(path, query);
  if (replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** `pattern` like `/cases/:number` against `path`: the parameters, or null. */
export function match(pattern, path) {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function useRoute() {
  const [route, setRoute] = useState(parse());
  useEffect(() => {
    const changed = () => setRoute(parse());
    window.addEventListener('hashchange', changed);
    window.addEventListener('popstate', changed);
    return () => {
      window.removeEventListener('hashchange', changed);
      window.removeEventListener('popstate', changed);
    };
  }, []);
  return route;
}
