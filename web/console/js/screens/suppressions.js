// The suppression list (suppression.manage): addresses CivicDesk mails no more because they
// bounced permanently or complained, with the mail and case that put each there and their
// delivery reports; lifting one asks why (kept with who and when).
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { href } from '../router.js';
import { Field, Page, Spinner, useLoad, useAction } from '../ui.js';
import { Confirm, Pager, ProblemAlert, problem, useCursorPages } from '../admin/parts.js';

const PAGE = 50;
const STATUSES = ['delivered', 'bounced', 'complained', 'rejected', 'delayed'];

function statusName(status) {
  return STATUSES.includes(status) ? t(`delivery.${status}`) : status;
}

function Counts({ entry }) {
  const shown = STATUSES.filter((s) => entry.counts?.[s]);
  return html`${shown.length ? html`<ul class="admin-inline-list">${shown.map((s) => html`<li>
      ${t('suppressions.counted', { status: statusName(s), count: entry.counts[s] })}</li>`)}</ul>` : null}
    ${entry.last_status ? html`<p class="muted admin-small">${t('suppressions.last', {
      status: statusName(entry.last_status), when: formatDateTime(entry.last_at) })}</p>` : null}`;
}

function LiftDialog({ entry, onDone, onCancel }) {
  const [missing, setMissing] = useState(false);
  const lift = useAction();
  async function confirm(form) {
    const reason = form.reason.value.trim();
    setMissing(!reason);
    if (!reason) {
      form.reason.focus();
      return;
    }
    const answer = await lift.run(() => api.delete(`/v1/admin/suppressions/${encodeURIComponent(entry.address)}`, { reason }));
    if (answer) onDone(answer);
  }
  const fieldError = missing ? t('admin.required') : (lift.error ? problem(lift.error).fields.reason : null);
  return html`<${Confirm} open=${true} title=${t('suppressions.lift.title', { address: entry.address })}
      confirmLabel=${t('suppressions.lift.confirm')} busy=${lift.busy} onConfirm=${confirm} onCancel=${onCancel}>
    <p>${t('suppressions.lift.body')}</p>
    <${Field} label=${t('suppressions.lift.reason')} hint=${t('suppressions.lift.reason.hint')} error=${fieldError} required>
      ${({ id, describedBy, invalid }) => html`<textarea id=${id} name="reason" rows="3" maxlength="500" required
        aria-describedby=${describedBy} aria-invalid=${invalid}></textarea>`}
    </${Field}>
    ${lift.error && !fieldError ? html`<${ProblemAlert} error=${lift.error} />` : null}
  </${Confirm}>`;
}

export function SuppressionsScreen() {
  const pages = useCursorPages('suppressions');
  const [lifting, setLifting] = useState(null);
  const [lifted, setLifted] = useState(null);
  const { data, error, loading, reload } = useLoad(
    () => api.get('/v1/admin/suppressions', { limit: PAGE, cursor: pages.cursor }), [pages.cursor]);
  const items = data?.items || [];

  function done(answer) {
    setLifting(null);
    setLifted(answer.address);
    reload();
  }

  return html`<${Page} title=${t('suppressions.title')}
      actions=${html`<button type="button" class="button-quiet" onClick=${reload} disabled=${loading}>${t('admin.refresh')}</button>`}>
    <p class="admin-intro">${t('suppressions.intro')}</p>
    ${lifted ? html`<div class="alert alert-success" role="status">${t('suppressions.lifted', { address: lifted })}</div>` : null}
    <${ProblemAlert} error=${error} />
    ${loading && !data ? html`<${Spinner} />` : null}
    <section aria-labelledby="suppressions-list-title">
      <h2 id="suppressions-list-title" class="admin-sr-only">${t('suppressions.list')}</h2>
      <p class="muted" role="status">${data ? (items.length ? t('suppressions.count', { count: items.length }) : t('suppressions.empty')) : ''}</p>
      ${items.length ? html`<div class="table-wrap"><table class="admin-table">
        <thead><tr>
          <th scope="col">${t('suppressions.col.address')}</th>
          <th scope="col">${t('suppressions.col.reason')}</th>
          <th scope="col">${t('suppressions.col.since')}</th>
          <th scope="col">${t('suppressions.col.origin')}</th>
          <th scope="col">${t('suppressions.col.deliveries')}</th>
          <th scope="col"><span class="admin-sr-only">${t('admin.actions')}</span></th>
        </tr></thead>
        <tbody>${items.map((e) => html`<tr>
          <td class="admin-wrap"><span class="admin-code">${e.address}</span></td>
          <td><span class=${`badge ${e.reason === 'complaint' ? 'badge-danger' : 'badge-warning'}`}>
            ${e.reason === 'complaint' || e.reason === 'bounce' ? t(`suppressions.reason.${e.reason}`) : e.reason}</span></td>
          <td>${formatDateTime(e.suppressed_at)}</td>
          <td>${e.case ? html`<a class="admin-nowrap" href=${href(`/cases/${e.case}`)}>${t('suppressions.case', { number: e.case })}</a>`
            : html`<span class="muted">${t('suppressions.no_case')}</span>`}
            ${e.message_id ? html`<div class="muted admin-small admin-wrap">${t('suppressions.message_id', { id: e.message_id })}</div>` : null}</td>
          <td><${Counts} entry=${e} /></td>
          <td><button type="button" class="button-quiet" aria-label=${t('suppressions.lift.label', { address: e.address })}
            onClick=${() => { setLifted(null); setLifting(e); }}>${t('suppressions.lift')}</button></td>
        </tr>`)}</tbody>
      </table></div>` : null}
      <${Pager} pages=${pages} nextCursor=${data?.next_cursor} busy=${loading} />
    </section>
    ${lifting ? html`<${LiftDialog} key=${lifting.address} entry=${lifting} onDone=${done} onCancel=${() => setLifting(null)} />` : null}
  </${Page}>`;
}
