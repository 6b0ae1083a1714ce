// One campaign: what it sends and to whom, the step it is at and what the staff member may do
// there (submit, approve or reject with a reason — a supervisor, never the author —, send,
// cancel), the estimate before approval, and while it sends its live progress (polled every few
// seconds while the tab is visible, stopped once it is over): counts by state, channel, language
// and area, the recipients by state page by page, the CSV of all.
import { html, useEffect, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { idToken, refresh } from '../auth.js';
import { t, formatDateTime, formatNumber, language } from '../i18n.js';
import { href, navigate, useRoute } from '../router.js';
import { Alert, ErrorAlert, Field, Page, Spinner, useAction, useLoad, useSession } from '../ui.js';
import { Confirm, Pager, problemText, useCursorPages } from '../admin/parts.js';
import { CHANNELS, CountTable, LIVE, OUTCOMES, Progress, RECIPIENT_STATES, RecipientBadge, StateBadge, campaignPath, languageName } from '../campaigns/parts.js';

const POLL_MS = 4000;

/** The campaign, read again every few seconds while it is live and the page is visible. */
function useCampaign(id) {
  const found = useLoad(() => api.get(campaignPath(id)), [id]);
  const live = LIVE.includes(found.data?.state);
  const reload = useRef(found.reload);
  reload.current = found.reload;
  useEffect(() => {
    if (!live) return undefined;
    let timer = null;
    const tick = () => {
      if (document.visibilityState === 'visible') reload.current();
    };
    const start = () => { if (!timer) timer = setInterval(tick, POLL_MS); };
    const stop = () => { clearInterval(timer); timer = null; };
    const visibility = () => (document.visibilityState === 'visible' ? (tick(), start()) : stop());
    start();
    document.addEventListener('visibilitychange', visibility);
    return () => { stop(); document.removeEventListener('visibilitychange', visibility); };
  }, [live, id]);
  return found;
}

async function downloadCsv(id) {
  const target = new URL(campaignPath(id, '/recipients'), window.location.origin);
  target.searchParams.set('format', 'csv');
  target.searchParams.set('lang', language());
  const ask = async () => fetch(target, { headers: { Authorization: await idToken(), 'Accept-Language': language() } });
  let answer = await ask();
  if (answer.status === 401) { await refresh(); answer = await ask(); }
  if (!answer.ok) { const error = new Error(`HTTP ${answer.status}`); error.status = answer.status; throw error; }
  const url = URL.createObjectURL(await answer.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `civicdesk-campaign-${id}.csv`;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return link.download;
}

function Summary({ campaign }) {
  const { can } = useSession();
  const audiences = useLoad(() => (can('audience.view') ? api.get('/v1/admin/audiences') : Promise.resolve(null)), []);
  const audience = (audiences.data?.items || []).find((a) => a.id === campaign.audience_id);
  return html`<dl class="facts campaign-facts">
    <dt>${t('campaigns.col.state')}</dt><dd><${StateBadge} state=${campaign.state} /></dd>
    <dt>${t('campaigns.field.audience')}</dt><dd>${audience ? audience.name : campaign.audience_id}</dd>
    <dt>${t('campaigns.field.channels')}</dt><dd>${campaign.channels.map((c) => t(`campaigns.channel.${c}`)).join(' → ')}</dd>
    <dt>${t('campaigns.field.urgent')}</dt><dd>${campaign.urgent ? t('campaigns.yes') : t('campaigns.no')}</dd>
    <dt>${t('campaigns.field.when')}</dt><dd>${campaign.send_at ? formatDateTime(campaign.send_at) : t('campaigns.field.when.now')}</dd>
    <dt>${t('campaigns.col.author')}</dt><dd>${campaign.author}</dd>
    ${campaign.approved_by ? html`<dt>${t('campaigns.approved_by')}</dt><dd>${campaign.approved_by}, ${formatDateTime(campaign.approved_at)}</dd>` : null}
    ${campaign.started_at ? html`<dt>${t('campaigns.started_at')}</dt><dd>${formatDateTime(campaign.started_at)}</dd>` : null}
    ${campaign.completed_at ? html`<dt>${t('campaigns.completed_at')}</dt><dd>${formatDateTime(campaign.completed_at)}</dd>` : null}
    ${campaign.cancelled_at ? html`<dt>${t('campaigns.cancelled_at')}</dt><dd>${formatDateTime(campaign.cancelled_at)} (${campaign.cancelled_by})</dd>` : null}
  </dl>`;
}

function Messages({ campaign }) {
  return html`<details class="campaign-texts"><summary>${t('campaigns.section.what')}</summary>
    ${Object.entries(campaign.messages).map(([lang, m]) => html`<div key=${lang} lang=${lang} class="campaign-text">
      <h3>${languageName(lang)}</h3>
      ${m.subject ? html`<p><strong>${m.subject}</strong></p>` : null}
      ${m.mail_body ? html`<p class="campaign-body">${m.mail_body}</p>` : null}
      ${m.sms_text ? html`<p class="campaign-body"><span class="badge">${t('campaigns.channel.sms')}</span> ${m.sms_text}</p>` : null}
    </div>`)}
  </details>`;
}

function Estimate({ id }) {
  const found = useLoad(() => api.get(campaignPath(id, '/estimate')), [id]);
  if (found.error) return html`<${ErrorAlert} error=${found.error} />`;
  if (!found.data) return html`<${Spinner} label=${t('campaigns.estimate.loading')} />`;
  const e = found.data;
  const money = (v) => new Intl.NumberFormat(language() === 'sr-Cyrl' ? 'sr-Cyrl-RS' : language() === 'sr-Latn' ? 'sr-Latn-RS' : language(), { style: 'currency', currency: e.cost.currency || 'USD', maximumFractionDigits: 2 }).format(v || 0);
  return html`<section class="card campaign-estimate" aria-labelledby="campaign-estimate-title">
    <h2 id="campaign-estimate-title">${t('campaigns.estimate.title')}</h2>
    <p class="campaign-total">${t('campaigns.estimate.recipients', { count: e.recipients, n: formatNumber(e.recipients) })}</p>
    <dl class="facts">
      ${CHANNELS.map((c) => html`<dt>${t('campaigns.estimate.first', { channel: t(`campaigns.channel.${c}`) })}</dt><dd>${formatNumber(e.first_channel?.[c] || 0)}</dd>`)}
      <dt>${t('campaigns.estimate.unreachable')}</dt><dd>${formatNumber(e.unreachable || 0)}</dd>
      <dt>${t('campaigns.estimate.cost')}</dt><dd>${money(e.cost.total)} (${t('campaigns.estimate.cost_parts', { mail: money(e.cost.mail), sms: money(e.cost.sms) })})</dd>
    </dl>
    <div class="table-wrap"><table>
      <caption>${t('campaigns.estimate.by_language')}</caption>
      <thead><tr><th scope="col">${t('campaigns.col.language')}</th><th scope="col" class="num">${t('campaigns.estimate.col.recipients')}</th>
        <th scope="col">${t('campaigns.estimate.col.encoding')}</th><th scope="col" class="num">${t('campaigns.estimate.col.parts')}</th></tr></thead>
      <tbody>${Object.entries(e.by_language || {}).filter(([, n]) => n).map(([lang, n]) => html`<tr key=${lang}>
        <th scope="row">${languageName(lang)}</th><td class="num">${formatNumber(n)}</td>
        <td>${e.sms?.[lang]?.encoding || '–'}</td><td class="num">${e.sms?.[lang] ? formatNumber(e.sms[lang].parts) : '–'}</td></tr>`)}</tbody>
    </table></div>
    <p class="hint">${t('campaigns.estimate.hint')}</p>
  </section>`;
}

function Approval({ campaign, onChanged }) {
  const { me } = useSession();
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState('');
  const act = useAction();
  if (campaign.author === me.username) return html`<${Alert} kind="info">${t('campaigns.approve.own')}</${Alert}>`;
  const decide = async (what) => {
    if (what === 'reject' && !reason.trim()) { setReasonError(t('campaigns.reject.reason_required')); document.getElementById('campaign-reason')?.focus(); return; }
    setReasonError('');
    const body = what === 'reject' ? { version: campaign.version, reason: reason.trim() } : { version: campaign.version };
    const done = await act.run(() => api.post(campaignPath(campaign.id, `/${what}`), body));
    if (done) onChanged(done, what === 'approve' ? t('campaigns.approved') : t('campaigns.rejected'));
  };
  return html`<section class="card" aria-labelledby="campaign-approval-title">
    <h2 id="campaign-approval-title">${t('campaigns.approve.title')}</h2>
    <p>${t('campaigns.approve.hint')}</p>
    ${act.error ? html`<div class="alert alert-error" role="alert">${act.error.status === 403 ? t('campaigns.approve.forbidden') : problemText(act.error)}</div>` : null}
    <div class="campaign-actions"><button type="button" disabled=${act.busy} onClick=${() => decide('approve')}>${t('campaigns.approve')}</button></div>
    <div class=${`field${reasonError ? ' field-invalid' : ''}`}>
      <label for="campaign-reason">${t('campaigns.reject.reason')}</label>
      <textarea id="campaign-reason" name="reason" rows="3" maxlength="2000" value=${reason} aria-invalid=${reasonError ? 'true' : undefined}
        aria-describedby=${reasonError ? 'campaign-reason-error' : undefined} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      ${reasonError ? html`<p class="field-error" id="campaign-reason-error">${reasonError}</p>` : null}
    </div>
    <button type="button" class="button-danger" disabled=${act.busy} onClick=${() => decide('reject')}>${t('campaigns.reject')}</button>
  </section>`;
}

function Counts({ campaign }) {
  const counts = campaign.counts || {};
  const stateColumns = RECIPIENT_STATES.filter((s) => s !== 'bounced' && s !== 'failed').map((s) => [s, t(`campaigns.recipient.${s}`)]);
  const channelColumns = ['sent', 'delivered', 'bounced', 'failed'].map((s) => [s, t(`campaigns.recipient.${s}`)]);
  const areas = Object.keys(counts.area || {}).sort();
  const calls = OUTCOMES.filter((o) => counts.call?.[o]);
  return html`<section class="card" aria-labelledby="campaign-counts-title">
    <h2 id="campaign-counts-title">${t('campaigns.counts.title')}</h2>
    <dl class="facts campaign-state-counts">
      ${RECIPIENT_STATES.map((s) => html`<dt>${t(`campaigns.recipient.${s}`)}</dt><dd>${formatNumber(counts.state?.[s] || 0)}</dd>`)}
    </dl>
    <${CountTable} caption=${t('campaigns.counts.channel')} rowHead=${t('campaigns.col.channel')}
      rows=${CHANNELS.filter((c) => counts.channel?.[c]).map((c) => [c, t(`campaigns.channel.${c}`)])} columns=${channelColumns}
      value=${(row, column) => counts.channel[row][column]} />
    <${CountTable} caption=${t('campaigns.counts.language')} rowHead=${t('campaigns.col.language')}
      rows=${Object.keys(counts.language || {}).map((l) => [l, languageName(l)])} columns=${stateColumns}
      value=${(row, column) => counts.language[row][column]} />
    <${CountTable} caption=${t('campaigns.counts.area')} rowHead=${t('campaigns.col.area')}
      rows=${areas.map((a) => [a, a || t('campaigns.area.none')])} columns=${stateColumns}
      value=${(row, column) => counts.area[row][column]} />
    ${calls.length ? html`<p>${t('campaigns.counts.calls')}: ${calls.map((o) => `${t(`campaigns.outcome.${o}`)} ${formatNumber(counts.call[o])}`).join(' · ')}</p>` : null}
  </section>`;
}

function Recipients({ campaign }) {
  const [state, setState] = useState('');
  const pages = useCursorPages(state);
  const found = useLoad(() => api.get(campaignPath(campaign.id, '/recipients'), { state, cursor: pages.cursor, limit: 50 }),
    [campaign.id, state, pages.cursor, campaign.version, campaign.progress?.open, campaign.counts?.state?.delivered]);
  const download = useAction();
  const [saved, setSaved] = useState('');
  const items = found.data?.items || [];
  const csv = async () => { setSaved(''); const name = await download.run(() => downloadCsv(campaign.id)); if (name) setSaved(t('campaigns.csv.saved', { name })); };
  return html`<section class="card" aria-labelledby="campaign-recipients-title">
    <h2 id="campaign-recipients-title">${t('campaigns.recipients.title')}</h2>
    <div class="campaign-recipients-tools">
      <${Field} label=${t('campaigns.filter.recipient_state')}>
        ${(f) => html`<select id=${f.id} name="recipient-state" value=${state} onChange=${(e) => setState(e.currentTarget.value)}>
          <option value="">${t('campaigns.filter.all')}</option>
          ${RECIPIENT_STATES.map((s) => html`<option value=${s}>${t(`campaigns.recipient.${s}`)}</option>`)}
        </select>`}
      </${Field}>
      <button type="button" class="button-quiet" onClick=${csv} disabled=${download.busy}>${download.busy ? t('campaigns.csv.busy') : t('campaigns.csv')}</button>
    </div>
    <${ErrorAlert} error=${download.error || found.error} />
    <p role="status" class="muted">${saved}</p>
    ${found.data && !items.length ? html`<p class="muted">${t('campaigns.recipients.none')}</p>` : null}
    ${items.length ? html`<div class="table-wrap"><table class="campaign-recipients">
      <caption class="visually-hidden">${t('campaigns.recipients.title')}</caption>
      <thead><tr><th scope="col">${t('campaigns.col.name')}</th><th scope="col">${t('campaigns.col.state')}</th>
        <th scope="col">${t('campaigns.col.channel')}</th><th scope="col">${t('campaigns.col.language')}</th>
        <th scope="col">${t('campaigns.col.area')}</th><th scope="col">${t('campaigns.col.last_step')}</th></tr></thead>
      <tbody>${items.map((r) => {
        const last = r.steps[r.steps.length - 1];
        return html`<tr key=${r.key}><th scope="row">${r.name || r.email || r.phone || r.key}</th><td><${RecipientBadge} state=${r.state} /></td>
          <td>${r.channel ? t(`campaigns.channel.${r.channel}`) : '–'}</td><td>${languageName(r.language)}</td><td>${r.area || '–'}</td>
          <td>${last ? html`${formatDateTime(last.at)}: ${RECIPIENT_STATES.includes(last.state) ? t(`campaigns.recipient.${last.state}`) : OUTCOMES.includes(last.state) ? t(`campaigns.outcome.${last.state}`) : last.state}${last.detail ? html` <span class="muted">(${last.detail})</span>` : ''}` : '–'}</td></tr>`;
      })}</tbody>
    </table></div>` : null}
    <${Pager} pages=${pages} nextCursor=${found.data?.next_cursor} busy=${found.loading} />
  </section>`;
}

export function CampaignScreen({ params }) {
  const { can, me } = useSession();
  const { query } = useRoute();
  const found = useCampaign(params.id);
  const [current, setCurrent] = useState(null);
  const [notice, setNotice] = useState(query.done === 'submitted' ? t('campaigns.submitted') : '');
  const [confirm, setConfirm] = useState(null); // 'send' | 'cancel'
  const act = useAction();
  const status = useRef(null);
  useEffect(() => { if (found.data) setCurrent(found.data); }, [found.data]);
  const campaign = current;
  if (!campaign) return html`<${Page} title=${t('campaigns.title')}>${found.error ? html`<${ErrorAlert} error=${found.error} />` : html`<${Spinner} />`}</${Page}>`;
  const changed = (next, words) => { setCurrent(next); setNotice(words); found.reload(); setTimeout(() => status.current?.focus(), 0); };
  const manage = can('campaign.manage');
  const cancellable = manage && ['draft', 'submitted', 'approved', 'scheduled', 'sending'].includes(campaign.state);
  const followed = ['scheduled', 'sending', 'completed', 'cancelled'].includes(campaign.state);
  const run = async (what) => {
    const done = await act.run(() => api.post(campaignPath(campaign.id, `/${what}`), { version: campaign.version }));
    setConfirm(null);
    if (done) changed(done, t(`campaigns.${what}.done`));
  };
  const live = LIVE.includes(campaign.state);
  return html`<${Page} title=${campaign.title} wide=${true}
      actions=${html`${campaign.state === 'draft' && manage && campaign.author === me.username
        ? html`<a class="button" href=${href(`/campaigns/${campaign.id}/edit`)}>${t('campaigns.edit')}</a>` : null}
        ${followed && can('campaign.call') ? html`<a class="button button-quiet" href=${href(`/campaigns/${campaign.id}/calls`)}>${t('campaigns.calls')}</a>` : null}
        <a class="button button-quiet" href=${href('/campaigns')}>${t('campaigns.back')}</a>`}>
    <div role="status" tabindex="-1" ref=${status} class="campaign-status">${notice ? html`<p class="alert alert-success">${notice}</p>` : null}</div>
    ${act.error ? html`<div class="alert alert-error" role="alert">${problemText(act.error)}</div>` : null}
    ${campaign.rejection && campaign.state === 'draft' ? html`<${Alert} kind="warning">${t('campaigns.rejected_because', { reason: campaign.rejection })}</${Alert}>` : null}
    <div class="columns">
      <section class="card" aria-labelledby="campaign-summary-title">
        <h2 id="campaign-summary-title">${t('campaigns.summary')}</h2>
        <${Summary} campaign=${campaign} />
        <${Messages} campaign=${campaign} />
        <div class="campaign-actions">
          ${campaign.state === 'approved' && manage ? html`<button type="button" onClick=${() => setConfirm('send')}>${campaign.send_at ? t('campaigns.send.schedule') : t('campaigns.send')}</button>` : null}
          ${cancellable ? html`<button type="button" class="button-danger" onClick=${() => setConfirm('cancel')}>${t('campaigns.cancel')}</button>` : null}
        </div>
      </section>
      ${followed ? html`<section class="card" aria-labelledby="campaign-live-title">
        <h2 id="campaign-live-title">${t('campaigns.progress.title')}</h2>
        <${Progress} campaign=${campaign} />
        <p class="campaign-live" aria-live="polite">${live ? t('campaigns.progress.live') : t(`campaigns.progress.over.${campaign.state}`)}</p>
        ${found.error ? html`<${ErrorAlert} error=${found.error} />` : null}
      </section>` : null}
    </div>
    ${['submitted', 'draft', 'approved'].includes(campaign.state) && (campaign.state !== 'draft' || manage) ? html`<${Estimate} id=${campaign.id} key=${campaign.version} />` : null}
    ${campaign.state === 'submitted' && can('campaign.approve') ? html`<${Approval} campaign=${campaign} onChanged=${changed} />` : null}
    ${followed ? html`<${Counts} campaign=${campaign} /><${Recipients} campaign=${campaign} />` : null}
    <${Confirm} open=${Boolean(confirm)} busy=${act.busy} danger=${confirm === 'cancel'}
      title=${confirm === 'cancel' ? t('campaigns.cancel.title') : t('campaigns.send.title')}
      confirmLabel=${confirm === 'cancel' ? t('campaigns.cancel') : t('campaigns.send')}
      onConfirm=${() => run(confirm)} onCancel=${() => setConfirm(null)}>
      <p>${confirm === 'cancel' ? t('campaigns.cancel.explain') : campaign.send_at
        ? t('campaigns.send.explain_at', { time: formatDateTime(campaign.send_at) }) : t('campaigns.send.explain_now')}</p>
    </${Confirm}>
  </${Page}>`;
}
