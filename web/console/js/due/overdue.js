// The "Overdue" entry beside the saved views: the queue of open cases past a due time
// (`#/cases?due=overdue`, the API's `view=overdue`), most overdue first.
import { html } from '../lib.js';
import { t, register } from '../i18n.js';
import { href } from '../router.js';
import messages from '../messages/due.js';

register(messages);

export const OVERDUE = 'overdue';

/** Whether the queue's URL asks for the overdue view. */
export function isOverdue(query) {
  return query.due === OVERDUE;
}

/** The API's query of the overdue view for the URL's filters: no cursor, no page of a
 * department forced on an agent (the server serves all of theirs). */
export function overdueQuery(apiFilters) {
  const { cursor, state, order, ...rest } = apiFilters;
  return { ...rest, view: OVERDUE };
}

export function OverdueLink({ active, filters }) {
  return html`<nav class="card due-views" aria-labelledby="due-views-title">
    <h2 id="due-views-title" class="visually-hidden">${t('due.view.title')}</h2>
    <ul class="view-list">
      <li><a href=${href('/cases', { ...filters, due: OVERDUE })} aria-current=${active ? 'true' : undefined}>
        <span class="view-name">${t('due.view')}</span>
        <span class="muted due-views-hint">${t('due.view.hint')}</span>
      </a></li>
    </ul>
  </nav>`;
}
