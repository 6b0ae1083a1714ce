// CivicDesk public API client (docs/api.md). Same origin as the pages: relative URLs only.

const TIMEOUT_MS = 30000;

/** Every failure of a call: `status` 0 means the server was not reached at all. */
export class ApiError extends Error {
  constructor({ status, code, message, fields }) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    // The server's own text, in the requested language ('' when there is none).
    this.serverMessage = message || '';
    this.fields = Array.isArray(fields) ? fields : [];
  }
}

async function call(method, path, { query, body, headers } = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.set(name, value);
  }
  const qs = params.toString();
  const url = qs ? `${path}?${qs}` : path;

  const init = {
    method,
    headers: { Accept: 'application/json', ...(headers || {}) },
    credentials: 'same-origin',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json; charset=utf-8';
    init.body = JSON.stringify(body);
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  init.signal = controller.signal;
  let response;
  let text;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch (err) {
    throw new ApiError({ status: 0, code: 'network_error', message: '' });
  } finally {
    clearTimeout(timer);
  }

  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data && typeof data === 'object' && data.error) || {};
    throw new ApiError({
      status: response.status,
      code: typeof error.code === 'string' ? error.code : 'http_error',
      message: typeof error.message === 'string' ? error.message : '',
      fields: error.fields,
    });
  }
  if (data === null || typeof data !== 'object') {
    throw new ApiError({ status: response.status, code: 'bad_response', message: '' });
  }
  return data;
}

/** Municipality name, languages, time zone, working hours, services, public form types. */
export function getMunicipality(lang) {
  return call('GET', '/v1/public/municipality', { query: { lang } });
}

export function getCategories(lang) {
  return call('GET', '/v1/public/categories', { query: { lang } });
}

/** Opens a case; the same `idempotencyKey` never creates a second one. */
export function createCase(payload, idempotencyKey) {
  return call('POST', '/v1/public/cases', {
    body: payload,
    // The messages of a refusal in the page's language, not the browser's (issue 16).
    query: { lang: payload && payload.language },
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
}

export function getCase(number, token, lang) {
  return call('GET', `/v1/public/cases/${encodeURIComponent(number)}`, { query: { token, lang } });
}

/** Asks to follow a public case by e-mail; always answers {status: "pending"} (docs/api.md). */
export function followCase(number, email, language) {
  return call('POST', `/v1/public/cases/${encodeURIComponent(number)}/subscriptions`, {
    body: { email, language },
    query: { lang: language },
  });
}

function subscriptionPath(number, id, action) {
  return `/v1/public/cases/${encodeURIComponent(number)}/subscriptions/${encodeURIComponent(id)}/${action}`;
}

/** The opt-in mail's link: answers {state}. */
export function confirmSubscription(number, id, token, lang) {
  return call('POST', subscriptionPath(number, id, 'confirm'), { body: { token }, query: { lang } });
}

/** A mail's unsubscribe link (a follower's or the requester's): answers {state}. */
export function unsubscribe(number, id, token, lang) {
  return call('POST', subscriptionPath(number, id, 'unsubscribe'), { body: { token }, query: { lang } });
}

/** A random UUID (v4); crypto.randomUUID exists only in secure contexts, so fall back. */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// -- alerts: residents' alert subscriptions (docs/alerts.md) ---------------------------------

/** The topics and areas to choose from. */
export function getAlertOptions(lang) {
  return call('GET', '/v1/public/alerts/options', { query: { lang } });
}

/** Subscribes; answers {id, status: "pending", awaiting: ["email"|"sms"]}. */
export function subscribeToAlerts(payload, idempotencyKey, lang) {
  return call('POST', '/v1/public/alerts', {
    body: payload,
    query: { lang },
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
}

/** The SMS code: answers the subscription with its token. */
export function confirmAlertPhone(id, code, lang) {
  return call('POST', `/v1/public/alerts/${encodeURIComponent(id)}/sms-confirmation`, { body: { code }, query: { lang } });
}

export function resendAlertCode(id, lang) {
  return call('POST', `/v1/public/alerts/${encodeURIComponent(id)}/sms-code`, { body: {}, query: { lang } });
}

/** The mailed link, confirmed on the page. */
export function confirmAlertEmail(token, lang) {
  return call('POST', '/v1/public/alerts/confirmation', { body: { token }, query: { lang } });
}

export function getAlertSubscription(token, lang) {
  return call('GET', '/v1/public/alerts/subscription', { query: { token, lang } });
}

export function changeAlertSubscription(change, lang) {
  return call('PUT', '/v1/public/alerts/subscription', { body: change, query: { lang } });
}

export function endAlertSubscription(token, lang) {
  return call('POST', '/v1/public/alerts/unsubscribe', { body: { token }, query: { lang } });
}

/** The requester's message on their case (issue 16): answers the case as the tracking page
 * shows it; the same `idempotencyKey` never writes it twice. */
export function answerCase(number, token, text, idempotencyKey, lang) {
  return call('POST', `/v1/public/cases/${encodeURIComponent(number)}/messages`, {
    body: { token, text },
    query: { lang },
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
}

/** The requester reopens their resolved case within the reopen window (issue 16). */
export function reopenCase(number, token, reason, idempotencyKey, lang) {
  return call('POST', `/v1/public/cases/${encodeURIComponent(number)}/reopening`, {
    body: { token, reason },
    query: { lang },
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
}
