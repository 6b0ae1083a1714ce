// A survey's results (survey.results): per question a bar chart of the answers with its table
// (the chart's text alternative), the scale's average, the free-text answers as the server
// redacted them; the response rate by channel; the breakdowns by area, category and department;
// the same as CSV. Charts: Chart.js as the statistics screen loads it (stats/charts.js).
import { html } from '../lib.js';
import { t, formatNumber, language } from '../i18n.js';
import { api } from '../api.js';
import { idToken, refresh } from '../auth.js';
import { href } from '../router.js';
import { ErrorAlert, Page, Spinner, useAction, useLoad } from '../ui.js';
import { ChartBox } from '../stats/charts.js';
import { attachmentName } from '../stats/data.js';
import { surveyPath } from '../surveys/parts.js';

function percent(share) {
  return share === null || share === undefined ? '–' : `${formatNumber(Math.round(share * 1000) / 10)} %`;
}

async function downloadCsv(id) {
  const target = new URL(surveyPath(id, '/results'), window.location.origin);
  target.searchParams.set('format', 'csv');
  target.searchParams.set('lang', language());
  const ask = async () => fetch(target, { headers: { Authorization: await idToken(), 'Accept-Language': language() } });
  let answer = await ask();
  if (answer.status === 401) {
    await refresh();
    answer = await ask();
  }
  if (!answer.ok) {
    const error = new Error(`HTTP ${answer.status}`);
    error.status = answer.status;
    throw error;
  }
  const url = URL.createObjectURL(await answer.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = attachmentName(answer.headers.get('Content-Disposition'), `civicdesk-survey-${id}.csv`);
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return link.download;
}

function QuestionResult({ question, index }) {
  const titleId = `survey-result-${index}`;
  return html`<section class="card survey-result" aria-labelledby=${titleId}>
    <h2 id=${titleId}>${index + 1}. ${question.text}</h2>
    <p class="muted">${t('surveys.results.answered', { answered: formatNumber(question.answered), skipped: formatNumber(question.skipped) })}
      ${question.mean !== null && question.mean !== undefined ? html` · <strong>${t('surveys.results.mean', { mean: formatNumber(question.mean) })}</strong>` : null}</p>
    ${question.kind === 'free_text' ? html`<h3>${t('surveys.results.texts')}</h3>
      ${question.texts.length ? html`<ul class="survey-texts">${question.texts.map((text) => html`<li>${text}</li>`)}</ul>`
        : html`<p class="muted">${t('surveys.results.no_texts')}</p>`}` : html`
      <${ChartBox} type="bar" labels=${question.choices.map((c) => c.label)} height=${Math.max(140, 44 * question.choices.length)}
        series=${[{ label: t('surveys.results.count'), data: question.choices.map((c) => c.count) }]}
        label=${t('surveys.results.chart', { question: question.text })} />
      <div class="table-wrap"><table>
        <caption class="visually-hidden">${question.text}</caption>
        <thead><tr><th scope="col">${t('surveys.results.answer')}</th><th scope="col" class="num">${t('surveys.results.count')}</th>
          <th scope="col" class="num">${t('surveys.results.share')}</th></tr></thead>
        <tbody>${question.choices.map((c) => html`<tr><th scope="row">${c.label}</th>
          <td class="num">${formatNumber(c.count)}</td><td class="num">${percent(c.share)}</td></tr>`)}</tbody>
      </table></div>`}
  </section>`;
}

function Breakdown({ dimension, rows, questions }) {
  const counted = questions.filter((q) => q.kind !== 'free_text');
  const label = (q, value) => q.choices.find((c) => c.value === value)?.label || value;
  return html`<section class="card" aria-labelledby=${`survey-by-${dimension}`}>
    <h2 id=${`survey-by-${dimension}`}>${t('surveys.results.breakdown', { dimension: t(`surveys.dimension.${dimension}`) })}</h2>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">${t('surveys.results.group')}</th><th scope="col" class="num">${t('surveys.results.responded')}</th>
        ${counted.map((q) => html`<th scope="col">${q.text}</th>`)}</tr></thead>
      <tbody>${rows.map((row) => html`<tr><th scope="row">${row.label}</th><td class="num">${formatNumber(row.responses)}</td>
        ${counted.map((q) => html`<td>${Object.entries(row.counts[q.id] || {}).filter(([, n]) => n)
          .map(([value, n]) => `${label(q, value)}: ${formatNumber(n)}`).join(', ') || '–'}</td>`)}</tr>`)}</tbody>
    </table></div>
  </section>`;
}

export function SurveyResultsScreen({ params }) {
  const id = params.id;
  const found = useLoad(() => api.get(surveyPath(id, '/results')), [id, language()]);
  const download = useAction();
  const results = found.data;
  if (!results) return html`<${Page} title=${t('surveys.action.results')}>${found.error ? html`<${ErrorAlert} error=${found.error} />` : html`<${Spinner} />`}</${Page}>`;
  const dimensions = [...new Set(results.breakdowns.map((b) => b.dimension))];
  return html`<${Page} title=${t('surveys.results.title', { title: results.title })} wide=${true}
      actions=${html`<button type="button" class="button-quiet" disabled=${download.busy} onClick=${() => download.run(() => downloadCsv(id))}>
        ${download.busy ? t('surveys.results.csv_busy') : t('surveys.results.csv')}</button>
        <a class="button button-quiet" href=${href('/surveys')}>${t('surveys.back')}</a>`}>
    <${ErrorAlert} error=${download.error} />
    <p class="survey-total" role="status"><strong>${t('surveys.results.responses', { count: results.responses })}</strong></p>
    <section class="card" aria-labelledby="survey-channels-title">
      <h2 id="survey-channels-title">${t('surveys.results.channels')}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t('surveys.results.channel')}</th><th scope="col" class="num">${t('surveys.results.invited')}</th>
          <th scope="col" class="num">${t('surveys.results.responded')}</th><th scope="col" class="num">${t('surveys.results.rate')}</th></tr></thead>
        <tbody>${results.channels.map((c) => html`<tr><th scope="row">${t(`surveys.channel.${c.channel}`)}</th>
          <td class="num">${formatNumber(c.invited)}</td><td class="num">${formatNumber(c.responded)}</td><td class="num">${percent(c.rate)}</td></tr>`)}</tbody>
      </table></div>
    </section>
    ${results.responses ? null : html`<p class="muted">${t('surveys.results.none')}</p>`}
    ${results.questions.map((q, n) => html`<${QuestionResult} key=${q.id} question=${q} index=${n} />`)}
    ${dimensions.map((d) => html`<${Breakdown} key=${d} dimension=${d} questions=${results.questions}
      rows=${results.breakdowns.filter((b) => b.dimension === d)} />`)}
  </${Page}>`;
}
