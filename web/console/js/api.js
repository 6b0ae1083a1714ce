// The admin API (/v1/admin/*, same origin as the console) with the signed-in staff member's ID
// token. An error answer becomes an ApiError with the API's `code`, `apiMessage`, `fields` and
// `currentVersion` (of a 409), and the whole body; a 401 refreshes the tokens once and retries.
import { idToken, refresh } from './auth.js';
import { language } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body) {
    // The API answers `{"error": {"code", "message", "fields"?, "current_version"?}}`.
    const inner = body && typeof body.error === 'object' && body.error !== null ? body.error : (body || {});
    super(inner.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = inner.code || (typeof this.body.error === 'string' ? this.body.error : null);
    this.apiMessage = inner.message || null;
    this.fields = inner.fields || [];
    this.field = this.fields[0]?.field || null;
    this.currentVersion = inner.current_version ?? null;
  }

  get conflict() {
    return this.status === 409;
  }

  /** The translated message of the API for `field`, or null. */
  fieldMessage(field) {
    const found = this.fields.find((f) => f.field === field);
    return found ? (found.message || found.code) : null;
  }
}

function url(path, query) {
  const target = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    target.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  return target.toString();
}

async function send(method, path, { query, body, headers = {}, retried = false } = {}) {
  const token = await idToken();
  const init = { method, headers: { Authorization: token, 'Accept-Language': language(), ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let answer;
  try {
    answer = await fetch(url(path, query), init);
  } catch {
    throw new ApiError(0, { error: 'network' });
  }
  if (answer.status === 401 && !retried) {
    await refresh();
    return send(method, path, { query, body, headers, retried: true });
  }
  const text = await answer.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data;
}

export const api = {
  get: (path, query) => send('GET', path, { query }),
  post: (path, body, options = {}) => send('POST', path, { body, ...options }),
  put: (path, body) => send('PUT', path, { body }),
  delete: (path, body) => send('DELETE', path, { body }),
};

/** Public configuration (no token): how to sign in. */
export async function signInConfiguration() {
  const answer = await fetch(url('/v1/public/staff-sign-in'));
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => null));
  return answer.json();
}
