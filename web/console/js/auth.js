// Staff sign-in against the staff user pool (Cognito's own JSON API, called from the browser as
// Cognito's hosted SDKs do: no secret, the app client is public).
//
// Flows: USER_PASSWORD_AUTH; the NEW_PASSWORD_REQUIRED challenge of a first sign-in; the
// SOFTWARE_TOKEN_MFA challenge (TOTP) when the user has it; REFRESH_TOKEN_AUTH a minute before
// the ID token expires (and once more when the API answers 401); sign-out with GlobalSignOut.
// Tokens live in memory and in sessionStorage (one tab's session, gone when the tab closes),
// never in localStorage.

const STORAGE_KEY = 'civicdesk.console.session';
const REFRESH_MARGIN_MS = 60_000;

export class AuthError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

let config = null;
let session = null;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

export function configure(signIn) {
  config = signIn;
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener(session);
}

export function decodeJwt(token) {
  const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')),
    (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

async function cognito(action, body) {
  if (!config) throw new AuthError('not_configured');
  let answer;
  try {
    answer = await fetch(config.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1',
                 'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}` },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError('network');
  }
  const text = await answer.text();
  const data = text ? JSON.parse(text) : {};
  if (!answer.ok) {
    const type = String(data.__type || data.code || 'Unknown').split('#').pop();
    throw new AuthError(type, data.message || data.Message);
  }
  return data;
}

function store(result, username) {
  const claims = decodeJwt(result.IdToken);
  session = {
    username: claims['cognito:username'] || username,
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken || session?.refreshToken,
    expiresAt: claims.exp * 1000,
    claims,
  };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  schedule();
  notify();
  return { session };
}

function schedule() {
  clearTimeout(refreshTimer);
  if (!session?.refreshToken) return;
  const due = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => expire()), due);
}

function expire() {
  clearTimeout(refreshTimer);
  session = null;
  sessionStorage.removeItem(STORAGE_KEY);
  notify();
}

function handle(answer, username) {
  if (answer.AuthenticationResult) return store(answer.AuthenticationResult, username);
  const challenge = answer.ChallengeName;
  if (challenge === 'NEW_PASSWORD_REQUIRED' || challenge === 'SOFTWARE_TOKEN_MFA') {
    return { challenge, username, session: answer.Session,
             attributes: answer.ChallengeParameters || {} };
  }
  throw new AuthError('unsupported_challenge', challenge);
}

/** Sign in; the answer is `{session}` or a `{challenge, username, session}` to answer. */
export async function signIn(username, password) {
  const name = username.trim().toLowerCase();
  const answer = await cognito('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.client_id,
    AuthParameters: { USERNAME: name, PASSWORD: password },
  });
  return handle(answer, name);
}

export async function answerNewPassword(challenge, newPassword) {
  const answer = await cognito('RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED', ClientId: config.client_id, Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  return handle(answer, challenge.username);
}

export async function answerTotp(challenge, code) {
  const answer = await cognito('RespondToAuthChallenge', {
    ChallengeName: 'SOFTWARE_TOKEN_MFA', ClientId: config.client_id, Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, SOFTWARE_TOKEN_MFA_CODE: code.trim() },
  });
  return handle(answer, challenge.username);
}

/** New ID and access tokens from the refresh token (shared by concurrent callers). */
export function refresh() {
  if (!session?.refreshToken) return Promise.reject(new AuthError('signed_out'));
  refreshing ||= cognito('InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: config.client_id,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  }).then((answer) => store(answer.AuthenticationResult, session.username).session)
    .finally(() => { refreshing = null; });
  return refreshing;
}

/** The session of this tab, restored from sessionStorage after a reload. */
export async function restore() {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (!saved) return null;
  try {
    session = JSON.parse(saved);
  } catch {
    expire();
    return null;
  }
  if (session.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    try {
      await refresh();
    } catch {
      expire();
      return null;
    }
  } else {
    schedule();
  }
  return session;
}

export function current() {
  return session;
}

export async function idToken() {
  if (!session) throw new AuthError('signed_out');
  if (session.expiresAt - Date.now() < 10_000) await refresh();
  return session.idToken;
}

export async function changePassword(previous, proposed) {
  await cognito('ChangePassword', { PreviousPassword: previous, ProposedPassword: proposed,
                                    AccessToken: session.accessToken });
}

export async function signOut() {
  const token = session?.accessToken;
  expire();
  if (token) {
    try {
      await cognito('GlobalSignOut', { AccessToken: token });
    } catch {
      // Signed out here in any case; the refresh token is gone from this tab.
    }
  }
}
