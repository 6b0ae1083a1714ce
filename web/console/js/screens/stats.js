// The statistics dashboard (`#/stats?preset=&from=&to=&group_by=&department=`): the figures of a
// period from GET /v1/admin/stats (the counters kept from the stream, a few reads each), the
// key figures, cases opened and resolved over the period, bars by department, category and
// channel, the table of the chosen grouping with its totals, each row (and each bar) opening
// the queue of the cases it counts, and the CSV of the table. An agent's figures are their
// departments' (the API scopes them); the screen says which departments the figures cover.
// The choices live in the URL, so a report is a link. All requests go out at once.
import { html, useMemo, useState } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatNumber, language } from '../i18n.js';
import { navigate } from '../router.js';
import { Page, Field, Alert, ErrorAlert, Spinner, errorText, useLoad, useSession, useAction } from '../ui.js';
import messages from '../messages/stats.js';
import { categories, departmentChoices } from '../queue/data.js';
import { ChartBox } from '../stats/charts.js';
import { DAILY_UP_TO, DIMENSIONS, FIGURES, PRESETS, downloadCsv, drillDown, duration, periodDays,
  periodLabel, periodSteps, presetPeriod, stepLabel, today, validDay } from '../stats/data.js';

register(messages);

const BARS = ['department', 'category', 'channel'];
const DURATION_METRICS = new Set(['first_reaction_median', 'first_reaction_p90', 'resolution_median', 'resolution_p90']);
//: The table's columns (the key figures read the totals of the same answer, which also has the
//: numbers of durations measured: FIGURES, the CSV's columns).
const TABLE_METRICS = ['opened', 'resolved', 'first_reaction_median', 'first_reaction_p90', 'resolution_median', 'resolution_p90'];
//: The days a report may span (the API's limit).
const MAX_DAYS = 400;

let zone = null;
function municipalityZone() {
  zone ||= fetch(`/v1/public/municipality?lang=${encodeURIComponent(language())}`)
    .then((answer) => (answer.ok ? answer.json() : {}))
    .then((body) => body.time_zone || 'Europe/Belgrade', () => 'Europe/Belgrade');
  return zone;
}

function value(metric, number) {
  if (DURATION_METRICS.has(metric)) return duration(number);
  return formatNumber(number ?? 0);
}

/** The choices of the URL, checked: a preset or a valid custom period, one or two dimensions. */
function choicesOf(query, todayText) {
  const preset = PRESETS.includes(query.preset) ? query.preset : (query.from || query.to ? 'custom' : 'this_month');
  let period = preset === 'custom' ? { from: query.from || '', to: query.to || '' } : presetPeriod(preset, todayText);
  let problem = null;
  if (preset === 'custom') {
    if (!validDay(period.from) || !validDay(period.to)) problem = 'stats.period.invalid';
    else if (period.to < period.from) problem = 'stats.period.before';
    else if (periodDays(period.from, period.to) > MAX_DAYS) problem = 'stats.period.too_long';
    if (problem) period = presetPeriod('this_month', todayText);
  }
  const wanted = (query.group_by || 'department').split(',').filter((d) => DIMENSIONS.includes(d));
  const groupBy = [...new Set(wanted)].slice(0, 2);
  const entered = preset === 'custom' ? { from: query.from || '', to: query.to || '' } : period;
  return { preset, period, entered, problem, groupBy: groupBy.length ? groupBy : ['department'],
    department: query.department || '' };
}

function queryOf(choices, groupBy, metrics) {
  return { from: choices.period.from, to: choices.period.to, group_by: groupBy.join(','),
    metrics: metrics.join(','), department: choices.department || undefined, lang: language() };
}

/** Every report the screen shows, asked for at once (identical ones once). */
async function loadReports(choices) {
  const step = periodDays(choices.period.from, choices.period.to) > DAILY_UP_TO ? 'month' : 'day';
  const wanted = {
    table: queryOf(choices, choices.groupBy, FIGURES),
    series: queryOf(choices, [step], ['opened', 'resolved']),
    ...Object.fromEntries(BARS.map((d) => [d, queryOf(choices, [d], FIGURES)])),
  };
  const asked = new Map();
  const answers = await Promise.all(Object.entries(wanted).map(async ([name, query]) => {
    const key = JSON.stringify(query);
    if (!asked.has(key)) asked.set(key, api.get('/v1/admin/stats', query));
    return [name, await asked.get(key)];
  }));
  return { step, ...Object.fromEntries(answers) };
}

function PeriodPicker({ choices, set }) {
  const custom = choices.preset === 'custom';
  return html`<fieldset class="stats-period">
    <legend>${t('stats.period')}</legend>
    <div class="stats-controls">
      <${Field} label=${t('stats.period.preset')}>${({ id }) => html`
        <select id=${id} name="preset" value=${choices.preset}
          onChange=${(e) => set({ preset: e.currentTarget.value, from: choices.period.from, to: choices.period.to })}>
          ${PRESETS.map((p) => html`<option value=${p}>${t(`stats.preset.${p}`)}</option>`)}
        </select>`}</${Field}>
      ${custom ? html`
        <${Field} label=${t('stats.period.from')}>${({ id }) => html`
          <input id=${id} name="from" type="date" value=${choices.entered.from} max=${choices.entered.to || undefined}
            onChange=${(e) => set({ preset: 'custom', from: e.currentTarget.value })} />`}</${Field}>
        <${Field} label=${t('stats.period.to')}>${({ id }) => html`
          <input id=${id} name="to" type="date" value=${choices.entered.to} min=${choices.entered.from || undefined}
            onChange=${(e) => set({ preset: 'custom', to: e.currentTarget.value })} />`}</${Field}>` : null}
    </div>
  </fieldset>`;
}

function GroupPicker({ choices, set }) {
  const [first, second = ''] = choices.groupBy;
  return html`<fieldset class="stats-group">
    <legend>${t('stats.group_by')}</legend>
    <div class="stats-controls">
      <${Field} label=${t('stats.group_by.first')}>${({ id }) => html`
        <select id=${id} name="group_by_first" value=${first}
          onChange=${(e) => set({ group_by: [e.currentTarget.value, second].filter((d, i) => d && (i === 0 || d !== e.currentTarget.value)).join(',') })}>
          ${DIMENSIONS.map((d) => html`<option value=${d}>${t(`stats.dimension.${d}`)}</option>`)}
        </select>`}</${Field}>
      <${Field} label=${t('stats.group_by.second')}>${({ id }) => html`
        <select id=${id} name="group_by_second" value=${second}
          onChange=${(e) => set({ group_by: [first, e.currentTarget.value].filter(Boolean).join(',') })}>
          <option value="">${t('stats.group_by.none')}</option>
          ${DIMENSIONS.filter((d) => d !== first).map((d) => html`<option value=${d}>${t(`stats.dimension.${d}`)}</option>`)}
        </select>`}</${Field}>
    </div>
  </fieldset>`;
}

function KeyFigures({ totals }) {
  const figure = (key, main, detail = null) => html`<div class="stats-figure">
    <dt>${t(`stats.figure.${key}`)}</dt>
    <dd><span class="stats-figure-value">${main}</span>${detail ? html`<span class="stats-figure-detail">${detail}</span>` : null}</dd>
  </div>`;
  const measured = (kind) => t('stats.figure.measured', { count: totals[`${kind}_count`] ?? 0, n: formatNumber(totals[`${kind}_count`] ?? 0) });
  return html`<dl class="stats-figures">
    ${figure('opened', formatNumber(totals.opened ?? 0))}
    ${figure('resolved', formatNumber(totals.resolved ?? 0))}
    ${figure('first_reaction', duration(totals.first_reaction_median),
      html`${t('stats.figure.p90', { value: duration(totals.first_reaction_p90) })}<br />${measured('first_reaction')}`)}
    ${figure('resolution', duration(totals.resolution_median),
      html`${t('stats.figure.p90', { value: duration(totals.resolution_p90) })}<br />${measured('resolution')}`)}
  </dl>`;
}

function rowName(row, groupBy) {
  return groupBy.map((d) => row.dimensions[d]?.name ?? '').join(' · ');
}

/** A report as a table: its rows, the totals, each row a link to the queue of its cases. */
function ReportTable({ report, metrics, period, department, caption }) {
  const groupBy = report.group_by.map((g) => g.id);
  const names = Object.fromEntries(report.metrics.map((m) => [m.id, m.name]));
  return html`<div class="table-wrap">
    <table class="stats-table">
      <caption class=${caption.hidden ? 'visually-hidden' : ''}>${caption.text}</caption>
      <thead><tr>
        ${report.group_by.map((g) => html`<th scope="col">${g.name}</th>`)}
        ${metrics.map((m) => html`<th scope="col" class="numeric">${t(`stats.metric.${m}`) || names[m]}</th>`)}
        <th scope="col"><span class="visually-hidden">${t('stats.table.queue')}</span></th>
      </tr></thead>
      <tbody>
        ${report.rows.map((row) => {
          const { link, approximate } = drillDown(row.dimensions, period, department);
          const name = rowName(row, groupBy);
          return html`<tr key=${JSON.stringify(row.dimensions)}>
            ${groupBy.map((d, i) => (i === 0
              ? html`<th scope="row">${row.dimensions[d]?.name}</th>`
              : html`<td>${row.dimensions[d]?.name}</td>`))}
            ${metrics.map((m) => html`<td class="numeric">${value(m, row.values[m])}</td>`)}
            <td><a href=${link} aria-label=${t('stats.table.open_queue_of', { name })}
              title=${approximate.length ? t('stats.table.approximate', { dimensions: approximate.map((d) => t(`stats.dimension.${d}`)).join(', ') }) : undefined}>
              ${t('stats.table.open_queue')}${approximate.length ? html`<span aria-hidden="true"> *</span>` : null}</a></td>
          </tr>`;
        })}
      </tbody>
      <tfoot><tr>
        <th scope="row" colspan=${groupBy.length || 1}>${t('stats.table.total')}</th>
        ${metrics.map((m) => html`<td class="numeric">${value(m, report.totals[m])}</td>`)}
        <td></td>
      </tr></tfoot>
    </table>
  </div>`;
}

function SeriesCard({ reports, period, department }) {
  const { step, series } = reports;
  const steps = periodSteps(period.from, period.to, step);
  const byStep = Object.fromEntries(series.rows.map((r) => [r.dimensions[step].id, r.values]));
  const labels = steps.map((s) => stepLabel(step, s));
  const opened = steps.map((s) => byStep[s]?.opened ?? 0);
  const resolved = steps.map((s) => byStep[s]?.resolved ?? 0);
  const filled = { ...series, rows: steps.map((s) => ({ dimensions: { [step]: { id: s, name: stepLabel(step, s, { year: 'numeric' }) } },
    values: byStep[s] || { opened: 0, resolved: 0 } })) };
  return html`<section class="card" aria-labelledby="stats-series">
    <h2 id="stats-series">${t(`stats.series.title_${step}`)}</h2>
    <${ChartBox} type="line" labels=${labels}
      series=${[{ label: t('stats.metric.opened'), data: opened }, { label: t('stats.metric.resolved'), data: resolved }]}
      label=${t('stats.series.chart', { opened: formatNumber(series.totals.opened ?? 0), resolved: formatNumber(series.totals.resolved ?? 0) })}
      onPick=${(i) => navigate('/cases', drillQuery(filled.rows[i].dimensions, period, department))} />
    <details class="stats-alternative">
      <summary>${t('stats.chart.as_table')}</summary>
      <${ReportTable} report=${filled} metrics=${['opened', 'resolved']} period=${period}
        department=${department} caption=${{ text: t(`stats.series.title_${step}`), hidden: true }} />
    </details>
  </section>`;
}

function drillQuery(dimensions, period, department) {
  const { link } = drillDown(dimensions, period, department);
  return Object.fromEntries(new URLSearchParams(link.split('?')[1] || ''));
}

function BarsCard({ dimension, report, period, department }) {
  const rows = report.rows.slice().sort((a, b) => (b.values.opened ?? 0) - (a.values.opened ?? 0));
  const sorted = { ...report, rows };
  const title = t(`stats.bars.title_${dimension}`);
  return html`<section class="card" aria-labelledby=${`stats-bars-${dimension}`}>
    <h2 id=${`stats-bars-${dimension}`}>${title}</h2>
    ${rows.length ? html`
      <${ChartBox} type="bar" labels=${rows.map((r) => r.dimensions[dimension].name)}
        series=${[{ label: t('stats.metric.opened'), data: rows.map((r) => r.values.opened ?? 0) },
                  { label: t('stats.metric.resolved'), data: rows.map((r) => r.values.resolved ?? 0) }]}
        label=${t('stats.bars.chart', { title, count: rows.length })}
        height=${Math.max(160, Math.min(520, 80 + rows.length * 44))}
        onPick=${(i) => navigate('/cases', drillQuery(rows[i].dimensions, period, department))} />
      <details class="stats-alternative">
        <summary>${t('stats.chart.as_table')}</summary>
        <${ReportTable} report=${sorted} metrics=${['opened', 'resolved']} period=${period}
          department=${department} caption=${{ text: title, hidden: true }} />
      </details>` : html`<p class="muted">${t('stats.empty')}</p>`}
  </section>`;
}

function Coverage({ report, me, departments }) {
  if (!report.departments) return html`<p class="stats-scope">${t('stats.scope.all')}</p>`;
  const names = new Map([...departments.map((d) => [d.id, d.name]), ...(me.departments || []).map((d) => [d.id, d.name])]);
  const list = report.departments.map((id) => names.get(id) || id);
  return html`<p class="stats-scope">${t('stats.scope.some', { count: list.length, departments: list.join(', ') })}</p>`;
}

export function StatsScreen({ query }) {
  const { me } = useSession();
  const limited = me.permissions?.['stats.view'] === 'own_departments';
  const timeZone = useLoad(() => municipalityZone(), []);
  const todayText = timeZone.data ? today(timeZone.data) : null;
  const choices = todayText ? choicesOf(query, todayText) : null;
  const key = choices ? JSON.stringify([choices.period, choices.groupBy, choices.department, language()]) : null;
  const reports = useLoad(() => (choices ? loadReports(choices) : new Promise(() => {})), [key]);
  const cats = useLoad(() => categories().catch(() => []), [language()]);
  const departments = useMemo(() => departmentChoices(me, cats.data || [], limited), [me, cats.data, limited]);
  const download = useAction();
  const [saved, setSaved] = useState('');

  const set = (changes) => {
    const next = { preset: choices.preset, from: choices.preset === 'custom' ? choices.entered.from : undefined,
      to: choices.preset === 'custom' ? choices.entered.to : undefined, group_by: choices.groupBy.join(','),
      department: choices.department, ...changes };
    if (next.preset !== 'custom') { delete next.from; delete next.to; }
    if (next.preset === 'this_month') delete next.preset;
    if (next.group_by === 'department') delete next.group_by;
    navigate('/stats', next, { replace: true });
  };

  const data = reports.data;
  const csv = async () => {
    setSaved('');
    const name = await download.run(() => downloadCsv(queryOf(choices, choices.groupBy, FIGURES)));
    if (name) setSaved(t('stats.csv.saved', { name }));
  };

  return html`<${Page} title=${t('stats.title')} wide
    actions=${html`<button type="button" class="button-quiet" onClick=${csv} disabled=${!choices || download.busy}>
      ${download.busy ? t('stats.csv.busy') : t('stats.csv.download')}</button>`}>
    <form class="card stats-form" aria-label=${t('stats.choices')} onSubmit=${(e) => e.preventDefault()}>
      ${choices ? html`
        <${PeriodPicker} choices=${choices} set=${set} />
        <${GroupPicker} choices=${choices} set=${set} />
        ${limited && departments.length < 2 ? null : html`<div class="stats-controls">
          <${Field} label=${t('stats.department')}>${({ id }) => html`
            <select id=${id} name="department" value=${choices.department} onChange=${(e) => set({ department: e.currentTarget.value })}>
              <option value="">${limited ? t('stats.department.mine') : t('stats.department.all')}</option>
              ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
            </select>`}</${Field}>
        </div>`}` : html`<${Spinner} />`}
    </form>
    ${choices?.problem ? html`<${Alert} kind="warning">${t(choices.problem)}</${Alert}>` : null}
    <${ErrorAlert} error=${download.error} />
    <p class="visually-hidden" role="status" aria-live="polite">${saved}</p>
    ${reports.error ? html`<${Alert} kind="error">${errorText(reports.error)}</${Alert}>` : null}
    <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${data && !reports.loading
      ? t('stats.live', { period: periodLabel(choices.period.from, choices.period.to), opened: formatNumber(data.table.totals.opened ?? 0),
        resolved: formatNumber(data.table.totals.resolved ?? 0) }) : ''}</p>
    ${data ? html`<div class=${reports.loading ? 'stats-body stats-stale' : 'stats-body'} aria-busy=${reports.loading ? 'true' : 'false'}>
      <section class="card" aria-labelledby="stats-key">
        <h2 id="stats-key">${t('stats.key.title', { period: periodLabel(data.table.from, data.table.to) })}</h2>
        <${Coverage} report=${data.table} me=${me} departments=${departments} />
        <${KeyFigures} totals=${data.table.totals} />
        <p class="muted stats-note">${t('stats.key.working_time')}</p>
      </section>
      <${SeriesCard} reports=${data} period=${choices.period} department=${choices.department} />
      <div class="stats-bars">
        ${BARS.map((d) => html`<${BarsCard} key=${d} dimension=${d} report=${data[d]} period=${choices.period} department=${choices.department} />`)}
      </div>
      <section class="card" aria-labelledby="stats-table">
        <h2 id="stats-table">${t('stats.table.title', { dimensions: data.table.group_by.map((g) => g.name).join(' · ') })}</h2>
        ${data.table.rows.length ? html`<${ReportTable} report=${data.table} metrics=${TABLE_METRICS} period=${choices.period}
          department=${choices.department} caption=${{ text: t('stats.table.caption', { period: periodLabel(data.table.from, data.table.to) }), hidden: true }} />`
          : html`<p class="muted">${t('stats.empty')}</p>`}
        ${choices.groupBy.some((d) => d === 'area' || d === 'status' || d === 'assignee')
          ? html`<p class="muted stats-note">${t('stats.table.drill_note')}</p>` : null}
      </section>
    </div>` : reports.error ? null : html`<${Spinner} />`}
  </${Page}>`;
}
