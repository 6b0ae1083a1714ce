// What the staff, canned replies, quarantine and suppression screens share: their texts, the
// API's error as these screens read it, a confirmation dialog, cursor pages and file sizes.
import { html, useState, useEffect, useRef, useCallback } from '../lib.js';
import { t, register, language } from '../i18n.js';
import { errorText } from '../ui.js';
import messages from '../messages/admin.js';

register(messages);

/** The API's error object (`{"error": {"code", "message", "fields", "current_version"}}`) of an
 * ApiError, with `fields` as `{field: message}`. */
export function problem(error) {
  const body = error?.body || {};
  const inner = body.error && typeof body.error === 'object' ? body.error : body;
  const fields = {};
  for (const f of inner.fields || []) fields[f.field] ||= f.message || f.code;
  return {
    code: inner.code || null, message: inner.message || null, fields,
    currentVersion: inner.current_version ?? body.current_version ?? null,
  };
}

/** The sentence to show for an error of these screens. */
export function problemText(error) {
  if (!error) return '';
  if (error.status === 0 || error.code === 'network') return t('error.network');
  return problem(error).message || errorText(error);
}

export function ProblemAlert({ error }) {
  if (!error) return null;
  return html`<div class="alert alert-error" role="alert">${problemText(error)}</div>`;
}

/** A modal confirmation (the native <dialog>: focus is kept inside, Escape closes it); focus
 * goes back to what opened it. `children` explain what happens; `onConfirm` may return a
 * promise, during which the buttons wait. */
export function Confirm({ open, title, confirmLabel, danger = false, busy = false, onConfirm, onCancel, children }) {
  const dialog = useRef(null);
  const opener = useRef(null);
  const headingId = useRef(`confirm-${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) {
      opener.current = document.activeElement;
      node.showModal();
    } else if (!open && node.open) {
      node.close();
    }
  }, [open]);
  const giveFocusBack = useCallback(() => {
    const target = opener.current && document.contains(opener.current) ? opener.current
      : document.getElementById('page-title');
    target?.focus();
  }, []);
  useEffect(() => () => setTimeout(giveFocusBack, 0), []);
  const cancel = (event) => {
    event.preventDefault();
    if (!busy) onCancel();
  };
  const submit = (event) => {
    event.preventDefault();
    onConfirm(event.currentTarget);
  };
  return html`<dialog ref=${dialog} class="admin-dialog" aria-labelledby=${headingId}
      onCancel=${cancel} onClose=${giveFocusBack}>
    ${open ? html`<form method="dialog" onSubmit=${submit} novalidate>
      <h2 id=${headingId}>${title}</h2>
      ${children}
      <div class="admin-dialog-actions">
        <button type="submit" class=${danger ? 'button-danger' : ''} disabled=${busy}>${confirmLabel}</button>
        <button type="button" class="button-quiet" disabled=${busy} onClick=${() => onCancel()}>${t('common.cancel')}</button>
      </div>
    </form>` : null}
  </dialog>`;
}

/** Pages of a list the API pages with an opaque `next_cursor`: the cursors of the pages seen,
 * so a staff member can go forward and back to the first page. */
export function useCursorPages(resetKey) {
  const [stack, setStack] = useState([null]);
  useEffect(() => setStack([null]), [resetKey]);
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor) => setStack((s) => [...s, nextCursor]),
    first: () => setStack([null]),
  };
}

export function Pager({ pages, nextCursor, busy = false }) {
  if (pages.page === 1 && !nextCursor) return null;
  return html`<nav class="pager" aria-label=${t('admin.pager')}>
    <button type="button" class="button-quiet" disabled=${busy || pages.page === 1} onClick=${pages.first}>${t('admin.pager.first')}</button>
    <span>${t('admin.pager.page', { page: pages.page })}</span>
    <button type="button" class="button-quiet" disabled=${busy || !nextCursor} onClick=${() => pages.next(nextCursor)}>${t('admin.pager.next')}</button>
  </nav>`;
}

function locale() {
  const lang = language();
  return lang === 'sr-Cyrl' ? 'sr-Cyrl-RS' : lang === 'sr-Latn' ? 'sr-Latn-RS' : lang;
}

/** `1536` -> "1.5 kB" in the staff member's language. */
export function formatBytes(size) {
  const units = [['byte', 1], ['kilobyte', 1024], ['megabyte', 1024 * 1024]];
  let [unit, scale] = units[0];
  for (const candidate of units) if (size >= candidate[1]) [unit, scale] = candidate;
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 })
    .format(size / scale);
}

/** "staff:ivana.markovic" -> "ivana.markovic". */
export function actorName(actor) {
  if (!actor) return t('admin.by_unknown');
  return String(actor).replace(/^staff:/, '');
}
