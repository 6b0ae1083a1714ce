// A modal dialog for one action on a case (the browser's <dialog>: focus kept inside, Escape
// closes), the focus given back to the control that opened it; and what a 409 found changed.
import { html, useEffect, useRef } from '../lib.js';
import { t, formatDateTime } from '../i18n.js';
import { useId } from '../ui.js';
import { actorName } from './people.js';

export function Dialog({ title, open, onClose, opener, children, className = '' }) {
  const ref = useRef(null);
  const titleId = useId('dialog');
  const lastOpener = useRef(null); // the opener is gone from the props by the time it closes
  if (opener) lastOpener.current = opener;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // Straight into the form's first field (not the close button before it).
      dialog.querySelector('form input:not([type=hidden]):not([disabled]), form select, form textarea')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  function closed() {
    onClose();
    // Back to where the staff member was: the button that opened it, or the actions' heading
    // when that button is gone (an action that no longer applies).
    const target = lastOpener.current?.current;
    window.setTimeout(() => {
      if (target && target.isConnected && !target.disabled) target.focus();
      else document.getElementById('case-actions-title')?.focus();
    }, 0);
  }
  return html`<dialog ref=${ref} class=${`case-dialog ${className}`} aria-labelledby=${titleId} onClose=${closed}>
    <div class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="button-quiet" aria-label=${t('common.close')} onClick=${() => ref.current?.close()}>×</button>
    </div>
    ${open ? children : null}
  </dialog>`;
}

const FIELDS = ['status', 'assignee', 'department', 'category', 'type', 'escalation_level', 'merged_into',
  'linked_cases', 'deleted_at', 'public'];

function shown(field, value, caseFile, names) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return t('case.none');
  if (field === 'status') return caseFile.status_name || value;
  if (field === 'department') return caseFile.department_name || value;
  if (field === 'category') return caseFile.category_name || value;
  if (field === 'type') return caseFile.type_name || value;
  if (field === 'assignee') return names[value] || value;
  if (field === 'deleted_at') return formatDateTime(value);
  if (field === 'public') return value ? t('case.yes') : t('case.no');
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** What changed between the case as the staff member had it and as it is now. */
export function caseChanges(before, after, names) {
  const known = new Set(before.timeline.map((entry) => entry.id));
  const entries = after.timeline.filter((entry) => !known.has(entry.id));
  const fields = FIELDS.filter((field) => JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null))
    .map((field) => ({ field, before: shown(field, before[field], before, names), after: shown(field, after[field], after, names) }));
  return { from: before.version, to: after.version, entries, fields };
}

export function ConflictNotice({ changes, names }) {
  if (!changes) return null;
  return html`<div class="alert alert-warning case-conflict" role="alert">
    <p><strong>${t('case.conflict.title')}</strong></p>
    <p>${t('case.conflict.intro', { from: changes.from, to: changes.to })}</p>
    ${changes.fields.length ? html`<ul>
      ${changes.fields.map((f) => html`<li>${t(`case.field.${f.field}`)}: ${f.before} → ${f.after}</li>`)}
    </ul>` : null}
    ${changes.entries.length ? html`<p>${t('case.conflict.entries', { count: changes.entries.length })}</p>
      <ul>${changes.entries.map((e) => html`<li>${e.text} <span class="muted">(${actorName(e.actor, names)}, ${formatDateTime(e.at)})</span></li>`)}</ul>` : null}
    <p>${t('case.conflict.again')}</p>
  </div>`;
}

/** The `warnings` of a change's answer (e.g. a message to the citizen that still names someone). */
export function Warnings({ warnings }) {
  if (!warnings?.length) return null;
  return html`<div class="alert alert-warning">
    <p><strong>${t('case.warnings', { count: warnings.length })}</strong></p>
    <ul>${warnings.map((w) => html`<li>${typeof w === 'string' ? w : (w.message || w.text || w.code || JSON.stringify(w))}</li>`)}</ul>
  </div>`;
}
