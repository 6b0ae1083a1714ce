// The citizen's session with the citizen user pool (docs/accounts.md): Cognito's own JSON API,
// called from the browser as the staff console does (no secret, a public app client). The
// pool, client and endpoint come from GET /v1/public/citizen-sign-in.
//
// Flows: SignUp (the e-mail address is the username), ConfirmSignUp with the mailed code,
// ResendConfirmationCode, InitiateAuth USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH before the ID
// token expires, ForgotPassword / ConfirmForgotPassword, ChangePassword, GlobalSignOut.
// Tokens live in this tab's sessionStorage only (gone when the tab closes), never in
// localStorage. Importing this module does nothing: pages call its functions.

export const SESSION_KEY = 'civicdesk.citizen.session';
const REFRESH_MARGIN_MS = 60_000;

export class CitizenAuthError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

let config = null;

function decodeJwt(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')),
    (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The pool's settings, read once per page from the API. */
export async function configure() {
  if (config) return config;
  const answer = await fetch('/v1/public/citizen-sign-in', { headers: { Accept: 'application/json' } });
  if (!answer.ok) throw new CitizenAuthError('not_configured');
  config = await answer.json();
  return config;
}

async function cognito(action, body) {
  await configure();
  let answer;
  try {
    answer = await fetch(config.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1',
                 'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}` },
      body: JSON.stringify({ ClientId: config.client_id, ...body }),
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new CitizenAuthError('network');
  }
  const text = await answer.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = {};
  }
  if (!answer.ok) {
    const type = String(data.__type || data.code || 'Unknown').split('#').pop();
    throw new CitizenAuthError(type, data.message || data.Message);
  }
  return data;
}

/** The stored session of this tab, or null (no network: the header and the form use it). */
export function storedSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return saved && saved.idToken ? saved : null;
  } catch {
    return null;
  }
}

function store(result, previous) {
  const claims = decodeJwt(result.IdToken);
  const session = {
    email: claims.email || '',
    name: claims.name || '',
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || previous?.refreshToken || null,
    expiresAt: claims.exp * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function forget() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function signUp(email, password, name, language) {
  const attributes = [{ Name: 'email', Value: email }];
  if (name) attributes.push({ Name: 'name', Value: name });
  if (language) attributes.push({ Name: 'custom:language', Value: language });
  return cognito('SignUp', { Username: email, Password: password, UserAttributes: attributes });
}

export function confirmSignUp(email, code) {
  return cognito('ConfirmSignUp', { Username: email, ConfirmationCode: code.trim() });
}

export function resendCode(email) {
  return cognito('ResendConfirmationCode', { Username: email });
}

export async function signIn(email, password) {
  const answer = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email.trim(), PASSWORD: password },
  });
  if (!answer.AuthenticationResult) throw new CitizenAuthError('unsupported_challenge', answer.ChallengeName);
  return store(answer.AuthenticationResult, null);
}

/** A valid ID token: the stored one, refreshed when it is about to expire; null signed out. */
export async function idToken() {
  const session = storedSession();
  if (!session) return null;
  if (session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return session.idToken;
  if (!session.refreshToken) {
    forget();
    return null;
  }
  try {
    const answer = await cognito('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    return store(answer.AuthenticationResult, session).idToken;
  } catch (error) {
    if (error.code !== 'network') forget();
    return null;
  }
}

export function forgotPassword(email) {
  return cognito('ForgotPassword', { Username: email.trim() });
}

export function confirmNewPassword(email, code, password) {
  return cognito('ConfirmForgotPassword', { Username: email.trim(), ConfirmationCode: code.trim(), Password: password });
}

export async function changePassword(previous, proposed) {
  const session = storedSession();
  if (!session) throw new CitizenAuthError('signed_out');
  await cognito('ChangePassword', { PreviousPassword: previous, ProposedPassword: proposed,
                                    AccessToken: session.accessToken });
}

export async function signOut() {
  const session = storedSession();
  forget();
  if (session?.accessToken) {
    try {
      await cognito('GlobalSignOut', { AccessToken: session.accessToken });
    } catch {
      // Signed out in this tab in any case.
    }
  }
}

/** The CLDR plural category of `count` (the portal's five languages). */
export function plural(lang, count) {
  const n = Math.abs(Math.trunc(count));
  if (lang === 'sr-Cyrl' || lang === 'sr-Latn') {
    if (n % 10 === 1 && n % 100 !== 11) return 'one';
    if (n % 10 >= 2 && n % 10 <= 4 && !(n % 100 >= 12 && n % 100 <= 14)) return 'few';
    return 'other';
  }
  if (lang === 'cs') return n === 1 ? 'one' : n >= 2 && n <= 4 ? 'few' : 'other';
  return n === 1 ? 'one' : 'other';
}

/** A call of an account route with the citizen's ID token; rejects with {status, code, message}. */
export async function accountCall(method, path, body, headers) {
  const token = await idToken();
  if (!token) throw Object.assign(new Error('signed_out'), { status: 401, code: 'signed_out', message: '' });
  const init = { method, headers: { Accept: 'application/json', Authorization: token, ...(headers || {}) },
                 cache: 'no-store', referrerPolicy: 'no-referrer' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json; charset=utf-8';
    init.body = JSON.stringify(body);
  }
  let answer;
  try {
    answer = await fetch(path, init);
  } catch {
    throw Object.assign(new Error('network'), { status: 0, code: 'network', message: '' });
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const error = data.error || {};
    throw Object.assign(new Error(error.code || 'http_error'),
      { status: answer.status, code: error.code || 'http_error', message: error.message || '',
        serverMessage: error.message || '', fields: error.fields || [] });
  }
  return data;
}
