// The supervisors' live feed (GET /v1/admin/feed, docs/api.md "The live feed") as a poller: the
// first poll reads the last hour, each next one asks with the cursor of the previous answer, at a
// fixed cadence so that a change shows within two seconds (POLL_MS plus one request); at once
// again while the answer says `more`. It does not poll while the tab is hidden (and polls at once
// when it is shown again), starts again without a cursor when the cursor has expired, and backs
// off while the server cannot be reached.
import { api } from '../api.js';

//: Milliseconds between the starts of two polls: a change is on screen within 2 s.
export const POLL_MS = 1500;
//: Where the first poll starts: the last hour of changes.
export const START_WINDOW_MS = 60 * 60 * 1000;
//: Changes per answer (the API's most).
export const PAGE_LIMIT = 200;
//: The longest wait between two attempts while the server does not answer.
export const MAX_BACKOFF_MS = 30000;

function cursorRefused(error) {
  // 400 `cursor_expired` (a pause of more than a week) or a cursor the API does not know.
  if (error?.status !== 400) return false;
  const body = error.body?.error || error.body || {};
  const fields = body.fields || [];
  return fields.some((f) => f.field === 'cursor') || body.code === 'bad_request';
}

export class FeedPoller {
  /**
   * @param {object} options
   * @param {object} options.filters `department`, `kinds` (comma-separated) of the API.
   * @param {(changes: object[], info: {catchingUp: boolean}) => void} options.onChanges
   *   the new changes of a poll, oldest first.
   * @param {(state: string, error: object|null) => void} options.onState `live`, `offline`
   *   (retrying), `stopped` (refused: the error says why).
   */
  constructor({ filters = {}, onChanges, onState = () => {}, interval = POLL_MS }) {
    this.filters = filters;
    this.onChanges = onChanges;
    this.onState = onState;
    this.interval = interval;
    this.cursor = null;
    this.caughtUp = false;
    this.failures = 0;
    this.timer = null;
    this.running = false;
    this.stopped = true;
    this.visibility = () => {
      if (document.hidden) clearTimeout(this.timer);
      else this.schedule(0);
    };
  }

  start() {
    this.stopped = false;
    document.addEventListener('visibilitychange', this.visibility);
    this.schedule(0);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.visibility);
  }

  schedule(delay) {
    clearTimeout(this.timer);
    if (this.stopped || document.hidden) return;
    this.timer = setTimeout(() => this.poll(), delay);
  }

  async poll() {
    if (this.running || this.stopped) return;
    this.running = true;
    const started = performance.now();
    const query = { ...this.filters, limit: PAGE_LIMIT };
    if (this.cursor) query.cursor = this.cursor;
    else query.since = new Date(Date.now() - START_WINDOW_MS).toISOString();
    let next = this.interval;
    try {
      const answer = await api.get('/v1/admin/feed', query);
      if (this.stopped) return;
      this.cursor = answer.cursor;
      this.failures = 0;
      this.onState('live', null);
      if (answer.changes.length) this.onChanges(answer.changes, { catchingUp: !this.caughtUp });
      if (answer.more) next = 0;
      else {
        this.caughtUp = true;
        next = Math.max(0, this.interval - (performance.now() - started));
      }
    } catch (error) {
      if (this.stopped) return;
      if (this.cursor && cursorRefused(error)) {
        this.cursor = null;
        next = 0;
      } else if (error.status === 0 || error.status >= 500 || error.status === 429) {
        this.failures += 1;
        this.onState('offline', error);
        next = Math.min(MAX_BACKOFF_MS, this.interval * 2 ** this.failures);
      } else {
        this.onState('stopped', error);
        this.stop();
        return;
      }
    } finally {
      this.running = false;
    }
    this.schedule(next);
  }
}
