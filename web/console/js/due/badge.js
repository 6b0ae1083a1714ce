// The due times of a case (the `due` of the admin API's case view and queue rows): the badge of
// the nearest running clock ("due in 25 working minutes", "overdue by 3 working hours", "clock
// stopped") and the case's due times as facts. Working time is the server's count
// (`working_minutes_left`, as of `as_of`), so weekends and holidays are never counted here.
import { html } from '../lib.js';
import { t, register, formatDateTime } from '../i18n.js';
import messages from '../messages/due.js';

register(messages);

//: At most this many working minutes left: the badge warns.
export const SOON_MINUTES = 60;
const CLOCKS = ['first_reaction', 'resolution', 'legal', 'referral'];

/** Working minutes as the console says them: minutes below an hour, else whole hours. */
export function workingTime(minutes) {
  const amount = Math.abs(minutes);
  if (amount < 60) return t('due.minutes', { count: amount });
  return t('due.hours', { count: Math.floor(amount / 60) });
}

/** The badge of the nearest running clock; the clock and its due time in words for everyone
 * (visually hidden) and in the tooltip. An open case whose clocks stand still says so; nothing
 * for a closed case or one without due times. */
export function DueBadge({ due, open = true }) {
  if (!due || !open) return null;
  if (!due.running?.length) {
    if (!due.paused_since || !(due.first_reaction || due.resolution)) return null;
    const title = t('due.paused.title', { at: formatDateTime(due.paused_since) });
    return html`<span class="badge due-badge due-paused" title=${title}>${t('due.paused')}<span class="visually-hidden"> (${title})</span></span>`;
  }
  const left = due.working_minutes_left;
  if (left === null || left === undefined || !due.next_clock) return null;
  const late = (due.overdue || []).length > 0;
  const kind = late ? 'badge-danger' : left <= SOON_MINUTES ? 'badge-warning' : 'due-later';
  const title = t('due.at', { clock: t(`due.clock.${due.next_clock}`), at: formatDateTime(due.next) });
  return html`<span class=${`badge due-badge ${kind}`} data-clock=${due.next_clock} title=${title}>
    ${late ? t('due.overdue', { time: workingTime(left) }) : t('due.in', { time: workingTime(left) })}<span class="visually-hidden"> (${title})</span></span>`;
}

/** The case's due times as rows of a facts list (`<dt>`/`<dd>` pairs). */
export function DueFacts({ due }) {
  if (!due) return null;
  const rows = CLOCKS.filter((clock) => due[clock]);
  const overdue = new Set(due.overdue || []);
  const breached = new Set(due.breached || []);
  const running = new Set(due.running || []);
  return html`<dt>${t('due.field')}</dt><dd class="due-facts">
    ${rows.length ? html`<ul class="due-list">
      ${rows.map((clock) => html`<li key=${clock} class=${overdue.has(clock) ? 'due-late' : running.has(clock) ? '' : 'muted'}>
        ${t('due.at', { clock: t(`due.clock.${clock}`), at: formatDateTime(due[clock]) })}
        ${clock === 'legal' && due.legal_extended ? html` <span class="badge">${t('due.extended')}</span>` : null}
        ${breached.has(clock) ? html` <span class="badge badge-danger">${t('due.breached')}</span>` : null}
      </li>`)}
      ${due.first_reaction_at ? html`<li class="muted">${t('due.met', { clock: t('due.first_reaction_at'), at: formatDateTime(due.first_reaction_at) })}</li>` : null}
    </ul>` : t('due.none')}
    ${due.running?.length ? html`<div><${DueBadge} due=${due} /></div>` : null}
  </dd>`;
}
