// A page of cases as the queue and the search show it: one row per case with its number (the
// link that opens it), status and escalation badges, category and excerpt, department and
// assignee, and when it was received (relative, the exact time in its tooltip).
import { html, useLayoutEffect } from '../lib.js';
import { t } from '../i18n.js';
import { href, navigate } from '../router.js';
import { StatusBadge } from '../ui.js';
import { dateTime, FULL, relative } from './format.js';
import { DueBadge } from '../due/badge.js';

/** User Timing marks around the rendering of a page of rows (bench/console.py reads them). */
export const MARK_DATA = 'civicdesk:queue-data';
export const MARK_RENDERED = 'civicdesk:queue-rendered';
export const MEASURE_RENDER = 'civicdesk:queue-render';

export function markData() {
  performance.clearMarks(MARK_DATA);
  performance.mark(MARK_DATA);
}

function Received({ value, now }) {
  if (!value) return null;
  return html`<time datetime=${value} title=${dateTime(value, FULL)}>
    ${relative(value, now)}</time>
    <span class="case-received-exact">${dateTime(value)}</span>`;
}

function openRow(event, number) {
  // A click anywhere on the row opens the case, as the number's link does; but not a click on
  // another link or control, nor the end of selecting text.
  if (event.target.closest('a, button, input, select, label')) return;
  if (window.getSelection && String(window.getSelection()).length) return;
  navigate(`/cases/${number}`);
}

function Row({ item, names, now }) {
  const assignee = item.assignee ? (names[item.assignee] || item.assignee) : null;
  return html`<tr onClick=${(e) => openRow(e, item.number)}>
    <td class="case-number">
      <a href=${href(`/cases/${item.number}`)}>${item.number}</a>
      <span class="muted">${t(`case.type.${item.type}`)}</span>
    </td>
    <td class="case-status">
      <${StatusBadge} status=${item.status} name=${t(`case.status.${item.status}`)} />
      ${item.escalation_level > 0 ? html` <span class="badge badge-danger"
        title=${t('queue.escalated.title', { level: item.escalation_level })}>${t('queue.escalated', { level: item.escalation_level })}</span>` : null}
      ${item.deleted ? html` <span class="badge badge-warning">${t('queue.deleted')}</span>` : null}
      <${DueBadge} due=${item.due} open=${item.state === 'open' && !item.deleted} />
    </td>
    <td class="case-summary">
      <strong>${item.category_name}</strong>
      <span class="muted"> · ${t(`case.channel.${item.channel}`)}${item.requester_name ? ` · ${item.requester_name}` : ''}</span>
      <p class="case-excerpt">${item.excerpt}</p>
    </td>
    <td class="case-who">
      <span>${item.department_name}</span>
      <span class=${assignee ? '' : 'muted'}>${assignee || t('queue.unassigned')}</span>
    </td>
    <td class="case-when"><${Received} value=${item.received_at || item.created_at} now=${now} /></td>
  </tr>`;
}

/** The table of `items`; `names` maps usernames to names; `caption` says what the rows are. */
export function CaseRows({ items, names = {}, caption, now = Date.now() }) {
  useLayoutEffect(() => {
    // The rows are in the DOM: how long they took since the API's answer (performance.mark).
    performance.clearMarks(MARK_RENDERED);
    performance.mark(MARK_RENDERED);
    if (performance.getEntriesByName(MARK_DATA).length) {
      performance.clearMeasures(MEASURE_RENDER);
      performance.measure(MEASURE_RENDER, MARK_DATA, MARK_RENDERED);
    }
  }, [items]);
  return html`<div class="table-wrap case-table">
    <table>
      <caption class="visually-hidden">${caption}</caption>
      <thead><tr>
        <th scope="col">${t('queue.column.case')}</th>
        <th scope="col">${t('queue.column.status')}</th>
        <th scope="col">${t('queue.column.summary')}</th>
        <th scope="col">${t('queue.column.who')}</th>
        <th scope="col">${t('queue.column.received')}</th>
      </tr></thead>
      <tbody>
        ${items.map((item) => html`<${Row} key=${item.number} item=${item} names=${names} now=${now} />`)}
      </tbody>
    </table>
  </div>`;
}
