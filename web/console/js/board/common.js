// What the board and the map of cases share: the statuses and kinds of change with their names
// for staff, who a timeline's actor is, and the colleagues' names (GET /v1/admin/staff, read
// once per session and language).
import { api } from '../api.js';
import { t, register } from '../i18n.js';
import { errorText } from '../ui.js';
import messages from '../messages/board.js';

register(messages);

//: Every case status, in the order of a case's life (colours: console.css .status-*).
export const STATUSES = ['new', 'in_progress', 'waiting_for_citizen', 'referred', 'resolved', 'closed',
  'cancelled', 'merged'];
//: Statuses of open cases (the map shows these unless asked otherwise).
export const OPEN_STATUSES = ['new', 'in_progress', 'waiting_for_citizen', 'referred'];
//: Every kind of timeline entry the feed carries (EventKind).
export const KINDS = ['case_opened', 'status_changed', 'assigned', 'routed', 'escalated', 'note',
  'message_in', 'message_out', 'referred', 'linked', 'merged', 'merged_from', 'notification',
  'delivery_report', 'delivery_failed', 'attachment_refused', 'deleted'];

export function statusName(status) {
  const key = `board.status.${status}`;
  const text = STATUSES.includes(status) ? t(key) : status;
  return text || '';
}

export function kindName(kind) {
  return KINDS.includes(kind) ? t(`board.kind.${kind}`) : kind;
}

const colleagues = {};

/** `{username: name}` of the colleagues `me` may see (empty when the role may not list them). */
export function staffNames(can, me) {
  if (!can('staff.list')) return Promise.resolve({});
  const key = me.username;
  colleagues[key] ||= api.get('/v1/admin/staff').then(
    (answer) => Object.fromEntries(answer.items.map((m) => [m.username, m.name || m.username])),
    (error) => {
      delete colleagues[key];
      throw error;
    },
  );
  return colleagues[key];
}

/** A person's name for a username (the username when unknown). */
export function personName(names, username) {
  if (!username) return '';
  return names?.[username] || names?.[username.toLowerCase()] || username;
}

/** Who made a change: `staff:<username>`, `citizen:<channel>…`, `system…`. */
export function actorName(names, actor) {
  if (!actor) return '';
  if (actor.startsWith('staff:')) return personName(names, actor.slice(6));
  if (actor.startsWith('citizen')) return t('board.actor.citizen');
  return t('board.actor.system');
}

/** `fn` run `wait` ms after the last call, but at least every `most` ms while calls go on. */
export function debounce(fn, wait, most = wait * 4) {
  let timer = null;
  let first = null;
  const run = () => {
    clearTimeout(timer);
    timer = null;
    first = null;
    fn();
  };
  const debounced = () => {
    const now = Date.now();
    first ??= now;
    clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, Math.min(wait, first + most - now)));
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
    first = null;
  };
  return debounced;
}

/** The text of an API error: the API's own message (its body is `{"error": {code, message}}`),
 * else the console's words for it. */
export function problemText(error) {
  const inner = error?.body?.error;
  if (error?.status && error.status !== 401 && inner && typeof inner === 'object' && inner.message) return inner.message;
  return errorText(error);
}
