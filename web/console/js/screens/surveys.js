// Surveys: the list (everyone with survey.view), with what each role may do next: designers
// (survey.design) create and change drafts, operators (survey.call) work an open phone
// survey's call list, supervisors and administrators (survey.results) read the results.
import { html } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { href, navigate } from '../router.js';
import { ErrorAlert, Page, Spinner, useLoad, useSession } from '../ui.js';
import { BASE, StateBadge, titleOf } from '../surveys/parts.js';

function Row({ survey, can }) {
  const phone = survey.state === 'open' && survey.channels.includes('phone');
  const links = [
    can('survey.design') || can('survey.view')
      ? html`<a href=${href(`/surveys/${survey.id}`)}>${t(survey.state === 'draft' && can('survey.design') ? 'surveys.action.design' : 'surveys.action.view')}</a>` : null,
    phone && can('survey.call') ? html`<a href=${href(`/surveys/${survey.id}/calls`)}>${t('surveys.action.calls')}</a>` : null,
    survey.state !== 'draft' && can('survey.results') ? html`<a href=${href(`/surveys/${survey.id}/results`)}>${t('surveys.action.results')}</a>` : null,
  ].filter(Boolean);
  return html`<tr>
    <th scope="row">${titleOf(survey)}</th>
    <td><${StateBadge} state=${survey.state} /></td>
    <td>${survey.channels.map((c) => t(`surveys.channel.${c}`)).join(', ')}</td>
    <td>${formatDateTime(survey.created_at)}</td>
    <td><span class="survey-links">${links}</span></td>
  </tr>`;
}

export function SurveysScreen() {
  const { can } = useSession();
  const found = useLoad(() => api.get(BASE), []);
  const surveys = found.data?.surveys || [];
  const actions = can('survey.design')
    ? html`<button type="button" onClick=${() => navigate('/surveys/new')}>${t('surveys.new')}</button>` : null;
  return html`<${Page} title=${t('surveys.title')} actions=${actions}>
    <${ErrorAlert} error=${found.error} />
    ${found.loading && !found.data ? html`<${Spinner} />` : null}
    ${found.data && !surveys.length ? html`<p class="muted">${t('surveys.empty')}</p>` : null}
    ${surveys.length ? html`<div class="table-wrap"><table>
      <caption class="visually-hidden">${t('surveys.list.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('surveys.col.title')}</th><th scope="col">${t('surveys.col.state')}</th>
        <th scope="col">${t('surveys.col.channels')}</th><th scope="col">${t('surveys.col.created')}</th>
        <th scope="col">${t('surveys.col.actions')}</th>
      </tr></thead>
      <tbody>${surveys.map((s) => html`<${Row} key=${s.id} survey=${s} can=${can} />`)}</tbody>
    </table></div>` : null}
  </${Page}>`;
}
