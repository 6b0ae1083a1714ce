// What the intake screen shows beside the form while the operator types: the requester found by
// phone or e-mail with their earlier cases, possible duplicates (open cases of the category near
// the point, the requester's open cases), where the case will be routed, and a case opened from
// those lists in a dialog (to add the call to it as a note, or to link the new case to it).
import { html, useEffect, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime, formatNumber } from '../i18n.js';
import { Alert, Spinner, StatusBadge, useAction, useSession } from '../ui.js';
import { apiMessage } from './errors.js';

//: Closer than this (metres), a duplicate is "at the same point".
const SAME_POINT_M = 5;

/** A link that opens a case in a new tab of the console. The new tab starts with a copy of this
 * tab's sessionStorage (the session) only when it has an opener: hence `rel="opener"` (the
 * console's own origin), where browsers otherwise imply `noopener` for `target="_blank"`. */
export function CaseLink({ number, children }) {
  return html`<a href=${`#/cases/${encodeURIComponent(number)}`} target="_blank" rel="opener">${children || number}<span
    class="visually-hidden"> ${t('intake.case.new_tab')}</span></a>`;
}

function CaseRow({ item, reason, onView }) {
  return html`<li class="intake-case">
    <div class="intake-case-head">
      <${CaseLink} number=${item.number} />
      <${StatusBadge} status=${item.status} name=${item.status_name} />
      ${reason ? html`<span class="badge">${reason}</span>` : null}
      <button type="button" class="button-quiet button-small" onClick=${() => onView(item.number)}
        aria-label=${t('intake.case.view_label', { number: item.number })}>${t('intake.case.view')}</button>
    </div>
    <div class="intake-case-meta">${item.category_name} · ${formatDateTime(item.received_at || item.created_at)}</div>
    ${item.excerpt ? html`<div class="intake-case-excerpt">${item.excerpt}</div>` : null}
  </li>`;
}

/** The requester of the typed phone number or address (GET /v1/admin/requesters). */
export function RequesterPanel({ lookup, onUse, onView }) {
  let summary = '';
  let content;
  if (!lookup) content = html`<p class="muted">${t('intake.requester.hint')}</p>`;
  else if (lookup.loading) content = html`<p class="loading"><span class="spinner" aria-hidden="true"></span>${t('intake.requester.searching')}</p>`;
  else if (lookup.error) content = html`<p class="muted">${(summary = apiMessage(lookup.error))}</p>`;
  else if (!lookup.data.requester) content = html`<p>${(summary = t('intake.requester.unknown'))}</p>`;
  else {
    const { requester, items } = lookup.data;
    summary = `${t('intake.requester.known')}: ${[requester.name, t('intake.requester.cases', { count: items.length })].filter(Boolean).join(', ')}`;
    content = html`<${KnownRequester} requester=${requester} items=${items} more=${Boolean(lookup.data.next_cursor)}
      onUse=${onUse} onView=${onView} />`;
  }
  return html`<div class="intake-aside">
    <p class="visually-hidden" aria-live="polite">${summary}</p>
    ${content}
  </div>`;
}

function KnownRequester({ requester, items, more, onUse, onView }) {
  return html`<div class="intake-requester">
    <h3>${t('intake.requester.known')}</h3>
    <dl class="facts">
      ${requester.name ? html`<dt>${t('intake.name')}</dt><dd>${requester.name}</dd>` : null}
      ${requester.phone ? html`<dt>${t('intake.phone')}</dt><dd>${requester.phone}</dd>` : null}
      ${requester.email ? html`<dt>${t('intake.email')}</dt><dd>${requester.email}</dd>` : null}
    </dl>
    <button type="button" onClick=${() => onUse(requester)}>${t('intake.requester.use')}</button>
    <h3 class="intake-subhead">${t('intake.requester.cases', { count: items.length })}</h3>
    <ul class="intake-cases">
      ${items.map((item) => html`<${CaseRow} key=${item.number} item=${item} onView=${onView} />`)}
    </ul>
    ${more ? html`<p class="muted">${t('intake.requester.more')}</p>` : null}
  </div>`;
}

/** Open cases that may be this one: of the category near the point, and the requester's. */
export function Duplicates({ nearby, requesterCases, linkTo, onView, ready }) {
  const rows = [];
  const seen = new Set();
  for (const feature of nearby?.data?.features || []) {
    const p = feature.properties;
    seen.add(p.number);
    const distance = Math.round(p.distance_m);
    rows.push({ item: { ...p, excerpt: null },
      reason: distance < SAME_POINT_M ? t('intake.duplicates.same_point')
        : t('intake.duplicates.distance', { distance: formatNumber(distance) }) });
  }
  for (const item of requesterCases) {
    if (seen.has(item.number)) {
      const row = rows.find((r) => r.item.number === item.number);
      row.reason = `${row.reason} · ${t('intake.duplicates.same_requester')}`;
    } else rows.push({ item, reason: t('intake.duplicates.same_requester') });
  }
  let status;
  if (!ready) status = html`<p class="muted">${t('intake.duplicates.hint')}</p>`;
  else if (nearby?.loading && !rows.length) status = html`<p class="loading"><span class="spinner" aria-hidden="true"></span>${t('intake.duplicates.searching')}</p>`;
  else if (!rows.length) status = html`<p>${t('intake.duplicates.none')}</p>`;
  else status = html`<p>${t('intake.duplicates.count', { count: rows.length })}</p>`;
  return html`<section class="intake-duplicates" aria-labelledby="intake-duplicates-title">
    <h3 id="intake-duplicates-title">${t('intake.duplicates')}</h3>
    <div aria-live="polite">${status}</div>
    ${ready && rows.length ? html`<ul class="intake-cases">
      ${rows.map(({ item, reason }) => html`<${CaseRow} key=${item.number} item=${item} reason=${reason} onView=${onView} />`)}
    </ul>` : null}
    ${linkTo ? html`<p class="alert alert-info">${t('intake.link.pending', { number: linkTo })}</p>` : null}
  </section>`;
}

/** Where the case will go (POST /v1/admin/routing-preview), before it is saved. */
export function RoutingPreview({ preview, hasCategory }) {
  let content;
  if (!hasCategory) content = html`<p class="muted">${t('intake.routing.hint')}</p>`;
  else if (!preview || (preview.loading && !preview.data)) content = html`<${Spinner} label=${t('intake.routing.loading')} />`;
  else if (preview.error) content = html`<p class="field-error">${apiMessage(preview.error)}</p>`;
  else {
    const { department, area, rule } = preview.data;
    content = html`<p class="intake-routing-department">${department.name}</p>
      <p class="muted">${rule === 'area' && area ? t('intake.routing.by_area', { area: area.name }) : t('intake.routing.by_category')}</p>`;
  }
  return html`<section class="card intake-routing" aria-labelledby="intake-routing-title">
    <h2 id="intake-routing-title">${t('intake.routing')}</h2>
    <div aria-live="polite" aria-atomic="true">${content}</div>
  </section>`;
}

/** A case opened from a list: what it is about, and what the operator may do with the call. */
export function CaseDialog({ number, onClose, onLink, onNoted, noteText, canLink }) {
  const dialog = useRef(null);
  const opener = useRef(document.activeElement);
  const { can } = useSession();
  const [found, setFound] = useState({ loading: true });
  const [note, setNote] = useState(noteText);
  const { busy, error, run } = useAction();
  useEffect(() => {
    dialog.current?.showModal();
    let live = true;
    api.get(`/v1/admin/cases/${encodeURIComponent(number)}`).then(
      (data) => live && setFound({ data }),
      (failure) => live && setFound({ error: failure }));
    return () => { live = false; };
  }, [number]);
  // Closed, the dialog gives the focus back to what opened it (when that is still on screen).
  useEffect(() => () => {
    if (opener.current?.isConnected) opener.current.focus();
  }, []);

  async function addNote(event) {
    event.preventDefault();
    const done = await run(() => api.post(`/v1/admin/cases/${encodeURIComponent(number)}/notes`, { text: note }));
    if (done) onNoted(number);
  }

  const data = found.data;
  return html`<dialog ref=${dialog} class="intake-dialog" aria-labelledby="intake-dialog-title"
      onClose=${onClose} onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <h2 id="intake-dialog-title">${t('intake.case.title', { number })}</h2>
    ${found.loading ? html`<${Spinner} />` : null}
    ${found.error ? html`<${Alert} kind="error">${apiMessage(found.error)}</${Alert}>` : null}
    ${data ? html`
      <dl class="facts">
        <dt>${t('intake.case.status')}</dt><dd><${StatusBadge} status=${data.status} name=${data.status_name} /></dd>
        <dt>${t('intake.category')}</dt><dd>${data.category_name}</dd>
        <dt>${t('intake.case.department')}</dt><dd>${data.department_name}</dd>
        <dt>${t('intake.received')}</dt><dd>${formatDateTime(data.received_at || data.created_at)}</dd>
        ${data.requester?.name ? html`<dt>${t('intake.requester')}</dt><dd>${data.requester.name}</dd>` : null}
        ${data.location?.address ? html`<dt>${t('intake.address')}</dt><dd>${data.location.address}</dd>` : null}
      </dl>
      <p class="intake-dialog-description">${data.description}</p>
      <p><${CaseLink} number=${number}>${t('intake.case.open')}</${CaseLink}></p>
      ${can('case.note') && data.state === 'open' ? html`<form onSubmit=${addNote} class="intake-note">
        <label for="intake-note-text">${t('intake.note.label')}</label>
        <p class="hint" id="intake-note-hint">${t('intake.note.hint')}</p>
        <textarea id="intake-note-text" aria-describedby="intake-note-hint" value=${note} required maxlength="10000"
          onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
        ${error ? html`<${Alert} kind="error">${apiMessage(error)}</${Alert}>` : null}
        <button type="submit" disabled=${busy || !note.trim()}>${t('intake.note.submit')}</button>
      </form>` : null}` : null}
    <div class="intake-dialog-actions">
      ${data && canLink && data.state === 'open' ? html`<button type="button" class="button-quiet" onClick=${() => onLink(number)}>${t('intake.link.choose')}</button>` : null}
      <button type="button" class="button-quiet" onClick=${onClose}>${t('common.close')}</button>
    </div>
  </dialog>`;
}
