// Campaigns (mass notifications): the list, newest first, filtered by state, each with its state
// and progress; authors (campaign.manage) start a new one. A campaign opens on its follow screen
// (screens/campaigns_view.js), a draft of one's own on its editor (screens/campaigns_edit.js).
import { html } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { href, navigate, useRoute } from '../router.js';
import { ErrorAlert, Field, Page, Spinner, useLoad, useSession } from '../ui.js';
import { Pager, useCursorPages } from '../admin/parts.js';
import { BASE, Progress, STATES, StateBadge } from '../campaigns/parts.js';

function Row({ campaign, me }) {
  const mine = campaign.state === 'draft' && campaign.author === me.username;
  const target = mine ? `/campaigns/${campaign.id}/edit` : `/campaigns/${campaign.id}`;
  return html`<tr>
    <th scope="row"><a href=${href(target)}>${campaign.title}</a></th>
    <td><${StateBadge} state=${campaign.state} /></td>
    <td class="campaign-list-progress">${campaign.state === 'draft' || campaign.state === 'submitted' || campaign.state === 'approved'
      ? html`<span class="muted">–</span>` : html`<${Progress} campaign=${campaign} id=${`progress-${campaign.id}`} />`}</td>
    <td>${campaign.channels.map((c) => t(`campaigns.channel.${c}`)).join(' → ')}</td>
    <td>${campaign.author}</td>
    <td>${formatDateTime(campaign.updated_at || campaign.created_at)}</td>
  </tr>`;
}

export function CampaignsScreen() {
  const { can, me } = useSession();
  const { query } = useRoute();
  const state = STATES.includes(query.state) ? query.state : '';
  const pages = useCursorPages(state);
  const found = useLoad(() => api.get(BASE, { state, cursor: pages.cursor, limit: 50 }), [state, pages.cursor]);
  const items = found.data?.items || [];
  const actions = can('campaign.manage')
    ? html`<button type="button" onClick=${() => navigate('/campaigns/new')}>${t('campaigns.new')}</button>` : null;
  return html`<${Page} title=${t('campaigns.title')} actions=${actions} wide=${true}>
    <form class="campaign-filter" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label=${t('campaigns.filter.state')}>
        ${(f) => html`<select id=${f.id} name="state" value=${state}
          onChange=${(e) => navigate('/campaigns', e.currentTarget.value ? { state: e.currentTarget.value } : {})}>
          <option value="">${t('campaigns.filter.all')}</option>
          ${STATES.map((s) => html`<option value=${s}>${t(`campaigns.state.${s}`)}</option>`)}
        </select>`}
      </${Field}>
    </form>
    <${ErrorAlert} error=${found.error} />
    ${found.loading && !found.data ? html`<${Spinner} />` : null}
    <div role="status" class="visually-hidden">${found.data ? t('campaigns.list.count', { count: items.length }) : ''}</div>
    ${found.data && !items.length ? html`<p class="muted">${state ? t('campaigns.empty_state') : t('campaigns.empty')}</p>` : null}
    ${items.length ? html`<div class="table-wrap"><table class="campaign-list">
      <caption class="visually-hidden">${t('campaigns.list.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('campaigns.col.title')}</th><th scope="col">${t('campaigns.col.state')}</th>
        <th scope="col">${t('campaigns.col.progress')}</th><th scope="col">${t('campaigns.col.channels')}</th>
        <th scope="col">${t('campaigns.col.author')}</th><th scope="col">${t('campaigns.col.updated')}</th>
      </tr></thead>
      <tbody>${items.map((c) => html`<${Row} key=${c.id} campaign=${c} me=${me} />`)}</tbody>
    </table></div>` : null}
    <${Pager} pages=${pages} nextCursor=${found.data?.next_cursor} busy=${found.loading} />
  </${Page}>`;
}
