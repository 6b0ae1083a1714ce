// Building blocks every screen uses: the page frame (title, heading that takes the focus when the
// screen opens, so a screen reader announces it), form fields with their labels and errors,
// alerts read out by screen readers, and the error of an API answer in the staff member's words.
import { html, useEffect, useRef, useContext, createContext, useState, useCallback } from './lib.js';
import { t } from './i18n.js';

/** What every screen may read: the staff member (`me` of GET /v1/admin/me), `can(action)`, the
 * current language, and `reload()` of `me` after a profile change. */
export const SessionContext = createContext(null);

export function useSession() {
  return useContext(SessionContext);
}

export function Page({ title, actions = null, children, wide = false }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} · CivicDesk`;
    heading.current?.focus();
  }, [title]);
  return html`<section class=${`page${wide ? ' page-wide' : ''}`} aria-labelledby="page-title">
    <header class="page-head">
      <h1 id="page-title" tabindex="-1" ref=${heading}>${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </header>
    ${children}
  </section>`;
}

let fieldIds = 0;
export function useId(prefix = 'f') {
  const id = useRef(null);
  if (id.current === null) {
    fieldIds += 1;
    id.current = `${prefix}-${fieldIds}`;
  }
  return id.current;
}

/** A labelled control. `children` is a function of `{id, describedBy, invalid}`. */
export function Field({ label, hint = null, error = null, required = false, children }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return html`<div class=${`field${error ? ' field-invalid' : ''}`}>
    <label for=${id}>${label}${required ? html` <span class="required" aria-hidden="true">*</span>` : null}</label>
    ${hint ? html`<p class="hint" id=${hintId}>${hint}</p>` : null}
    ${children({ id, describedBy, invalid: error ? 'true' : undefined, required })}
    ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null}
  </div>`;
}

export function Alert({ kind = 'info', children }) {
  if (!children) return null;
  const role = kind === 'error' ? 'alert' : 'status';
  return html`<div class=${`alert alert-${kind}`} role=${role}>${children}</div>`;
}

/** The text to show for an error thrown by `api` or `auth`. */
export function errorText(error) {
  if (!error) return '';
  if (error.status === 0 || error.code === 'network') return t('error.network');
  if (error.apiMessage) return error.apiMessage;
  if (error.status === 403) return t('error.forbidden');
  if (error.status === 404) return t('error.not_found');
  if (error.status >= 500) return t('error.server');
  return error.message || t('error.server');
}

export function ErrorAlert({ error }) {
  return error ? html`<${Alert} kind="error">${errorText(error)}</${Alert}>` : null;
}

export function Spinner({ label }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label || t('common.loading')}</p>`;
}

/** `run(fn)` runs an async action once at a time: `busy` while it runs, its `error` after. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/** Data read from the API when the screen opens and whenever `deps` change. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const generation = useRef(0);
  const reload = useCallback(async () => {
    generation.current += 1;
    const mine = generation.current;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const data = await load();
      if (mine === generation.current) setState({ loading: false, data, error: null });
    } catch (error) {
      if (mine === generation.current) setState((previous) => ({ loading: false, data: previous.data, error }));
    }
  }, deps);
  useEffect(() => { reload(); }, [reload]);
  return { ...state, reload };
}

export function StatusBadge({ status, name }) {
  return html`<span class=${`badge status-${status}`}>${name || status}</span>`;
}
