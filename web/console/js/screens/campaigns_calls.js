// The call list of a campaign (campaign.call): those no channel reached, to be called (or
// visited) by an operator, who records what came of it — reached, no answer, busy, wrong
// number, no number, visited, declined — with a note. The list pages with the API's cursor.
import { html, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime, formatNumber } from '../i18n.js';
import { href } from '../router.js';
import { ErrorAlert, Page, Spinner, useAction, useLoad } from '../ui.js';
import { Pager, problemText, useCursorPages } from '../admin/parts.js';
import { OUTCOMES, campaignPath, languageName } from '../campaigns/parts.js';

function CallForm({ campaign, recipient, onDone, onCancel }) {
  const [outcome, setOutcome] = useState(recipient.call_outcome || '');
  const [note, setNote] = useState(recipient.call_note || '');
  const [missing, setMissing] = useState(false);
  const save = useAction();
  const legend = `campaign-call-${recipient.key}`;
  const submit = async (event) => {
    event.preventDefault();
    if (!outcome) { setMissing(true); event.currentTarget.querySelector('input[type=radio]')?.focus(); return; }
    const done = await save.run(() => api.put(campaignPath(campaign, `/calls/${recipient.key}`), note.trim() ? { outcome, note: note.trim() } : { outcome }));
    if (done) onDone(done);
  };
  return html`<form class="campaign-call-form" novalidate onSubmit=${submit}>
    <fieldset aria-describedby=${missing ? `${legend}-error` : undefined} class=${missing ? 'field-invalid' : ''}>
      <legend id=${legend}>${t('campaigns.calls.outcome_for', { name: recipient.name || recipient.phone || recipient.email || '' })}</legend>
      <div class="campaign-outcomes">
        ${OUTCOMES.map((o) => html`<label class="campaign-check" key=${o}><input type="radio" name="outcome" value=${o} checked=${outcome === o}
          onChange=${() => { setOutcome(o); setMissing(false); }} /> ${t(`campaigns.outcome.${o}`)}</label>`)}
      </div>
      ${missing ? html`<p class="field-error" id=${`${legend}-error`}>${t('campaigns.calls.outcome_required')}</p>` : null}
    </fieldset>
    <div class="field">
      <label for=${`${legend}-note`}>${t('campaigns.calls.note')}</label>
      <textarea id=${`${legend}-note`} name="note" rows="2" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
    </div>
    ${save.error ? html`<div class="alert alert-error" role="alert">${problemText(save.error)}</div>` : null}
    <div class="campaign-actions">
      <button type="submit" disabled=${save.busy}>${t('campaigns.calls.save')}</button>
      <button type="button" class="button-quiet" onClick=${onCancel}>${t('campaigns.calls.close')}</button>
    </div>
  </form>`;
}

export function CampaignCallsScreen({ params }) {
  const id = params.id;
  const pages = useCursorPages(id);
  const [version, setVersion] = useState(0);
  const campaign = useLoad(() => api.get(campaignPath(id)), [id]);
  const found = useLoad(() => api.get(campaignPath(id, '/calls'), { cursor: pages.cursor, limit: 50 }), [id, pages.cursor, version]);
  const [open, setOpen] = useState(null);
  const [recorded, setRecorded] = useState({}); // key -> the recipient as the server answered
  const [notice, setNotice] = useState('');
  const status = useRef(null);
  const items = (found.data?.items || []).map((r) => recorded[r.key] || r);
  const title = campaign.data ? t('campaigns.calls.title', { title: campaign.data.title }) : t('campaigns.calls');
  const done = (recipient) => {
    setOpen(null);
    setRecorded((known) => ({ ...known, [recipient.key]: recipient }));
    setNotice(t('campaigns.calls.recorded', { name: recipient.name || recipient.phone || '', outcome: t(`campaigns.outcome.${recipient.call_outcome}`) }));
    setVersion((v) => v + 1);
    setTimeout(() => status.current?.focus(), 0);
  };
  const open_count = items.filter((r) => !r.call_outcome).length;
  return html`<${Page} title=${title} wide=${true}
      actions=${html`<a class="button button-quiet" href=${href(`/campaigns/${id}`)}>${t('campaigns.follow')}</a>`}>
    <p class="hint">${t('campaigns.calls.hint')}</p>
    <div role="status" tabindex="-1" ref=${status} class="campaign-status">${notice ? html`<p class="alert alert-success">${notice}</p>` : null}</div>
    <${ErrorAlert} error=${found.error || campaign.error} />
    ${found.loading && !found.data ? html`<${Spinner} />` : null}
    ${found.data ? html`<p>${t('campaigns.calls.count', { count: items.length, n: formatNumber(items.length), open: formatNumber(open_count) })}</p>` : null}
    ${found.data && !items.length ? html`<p class="muted">${t('campaigns.calls.none')}</p>` : null}
    ${items.length ? html`<div class="table-wrap"><table class="campaign-calls">
      <caption class="visually-hidden">${t('campaigns.calls.caption')}</caption>
      <thead><tr><th scope="col">${t('campaigns.col.name')}</th><th scope="col">${t('campaigns.col.phone')}</th>
        <th scope="col">${t('campaigns.col.email')}</th><th scope="col">${t('campaigns.col.language')}</th><th scope="col">${t('campaigns.col.area')}</th>
        <th scope="col">${t('campaigns.col.outcome')}</th><th scope="col">${t('campaigns.col.actions')}</th></tr></thead>
      <tbody>${items.map((r) => html`<tr key=${r.key}>
        <th scope="row">${r.name || '–'}</th>
        <td>${r.phone ? html`<a href=${`tel:${r.phone}`}>${r.phone}</a>` : t('campaigns.calls.no_phone')}</td>
        <td>${r.email || '–'}</td><td>${languageName(r.language)}</td><td>${r.area || '–'}</td>
        <td>${r.call_outcome ? html`${t(`campaigns.outcome.${r.call_outcome}`)}<br /><span class="muted">${r.called_by}, ${formatDateTime(r.called_at)}</span>${r.call_note ? html`<br />${r.call_note}` : null}` : html`<span class="muted">${t('campaigns.calls.not_yet')}</span>`}</td>
        <td><button type="button" class="button-quiet" aria-expanded=${open === r.key ? 'true' : 'false'}
          aria-label=${t('campaigns.calls.record_for', { name: r.name || r.phone || r.email || '' })}
          onClick=${() => setOpen(open === r.key ? null : r.key)}>${t('campaigns.calls.record')}</button></td>
      </tr>${open === r.key ? html`<tr class="campaign-call-row"><td colspan="7"><${CallForm} campaign=${id} recipient=${r} onDone=${done} onCancel=${() => setOpen(null)} /></td></tr>` : null}`)}</tbody>
    </table></div>` : null}
    <${Pager} pages=${pages} nextCursor=${found.data?.next_cursor} busy=${found.loading} />
  </${Page}>`;
}
