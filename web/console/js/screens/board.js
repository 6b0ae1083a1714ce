// The supervisors' board: every change on the municipality's cases as it happens (the live feed,
// newest first, the last MAX_LINES of them), the counters per department (GET /v1/admin/board,
// read again shortly after a change that moves them) and who works on what. Every line opens
// its case. A screen reader hears the new changes through a polite live region: the change
// itself when one arrives, their number when several do.
import { html, useState, useEffect, useRef, useMemo, useCallback } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime, formatNumber } from '../i18n.js';
import { href, navigate } from '../router.js';
import { Page, Spinner, Alert, Field, StatusBadge, useLoad, useSession } from '../ui.js';
import { FeedPoller } from '../board/feed.js';
import { KINDS, statusName, kindName, staffNames, personName, actorName, debounce, problemText } from '../board/common.js';

//: The most changes the list keeps (the newest).
export const MAX_LINES = 200;
//: Kinds of change after which the counters and the workload are read again.
const COUNTING_KINDS = new Set(['case_opened', 'status_changed', 'assigned', 'routed', 'escalated',
  'merged', 'merged_from', 'referred', 'deleted']);
//: The counters' columns: the board's `counts` keys (`overdue` once service levels exist).
const COUNTERS = ['new', 'in_progress', 'waiting_for_citizen', 'escalated', 'overdue'];
//: How long new changes are gathered before they are announced (one announcement, not many).
const ANNOUNCE_MS = 2500;

function caseLink(number, title) {
  return html`<a href=${href(`/cases/${number}`)} title=${title || undefined}>${number}</a>`;
}

function openCase(event, number) {
  // A click anywhere on a line opens its case; the number is the line's link for the keyboard.
  if (event.target.closest('a, button, input, select, summary')) return;
  if (window.getSelection()?.toString()) return;
  navigate(`/cases/${number}`);
}

function countText(value, complete) {
  const text = formatNumber(value);
  return complete ? text : t('board.count.at_least', { count: text });
}

function Counters({ rows }) {
  const columns = COUNTERS.filter((c) => c !== 'overdue' || rows.some((r) => r.counts.overdue !== undefined));
  const totals = Object.fromEntries(columns.map((c) => [c, rows.reduce((sum, r) => sum + (r.counts[c] || 0), 0)]));
  const complete = rows.every((r) => r.complete);
  const cell = (row, column) => {
    const value = row.counts[column] ?? 0;
    const shown = countText(value, row.complete);
    if (column === 'escalated' || column === 'overdue' || !value) return shown;
    return html`<a href=${href('/cases', { department: row.id, status: column })}
      aria-label=${t('board.counters.open_queue', { count: shown, status: statusName(column), department: row.name })}>${shown}</a>`;
  };
  return html`<div class="table-wrap board-counters">
    <table>
      <caption class="visually-hidden">${t('board.counters.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('board.counters.department')}</th>
        ${columns.map((c) => html`<th scope="col" class="numeric">${t(`board.counter.${c}`)}</th>`)}
      </tr></thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${row.id}>
          <th scope="row">${row.name}</th>
          ${columns.map((c) => html`<td class=${`numeric${c === 'escalated' && row.counts.escalated ? ' board-alert' : ''}`}>${cell(row, c)}</td>`)}
        </tr>`)}
      </tbody>
      ${rows.length > 1 ? html`<tfoot><tr>
        <th scope="row">${t('board.counters.total')}</th>
        ${columns.map((c) => html`<td class="numeric">${countText(totals[c], complete)}</td>`)}
      </tr></tfoot>` : null}
    </table>
    ${complete ? null : html`<p class="muted board-note">${t('board.counters.incomplete')}</p>`}
  </div>`;
}

function CaseList({ cases }) {
  return html`<ul class="board-cases">
    ${cases.map((c) => html`<li key=${c.number}>${caseLink(c.number, c.subject || c.excerpt)}</li>`)}
  </ul>`;
}

function Workload({ rows, names }) {
  const busy = rows.filter((r) => r.workload.length || r.escalated_cases.length);
  if (!busy.length) return html`<p class="muted">${t('board.workload.none')}</p>`;
  return busy.map((row) => html`<section class="board-dept" key=${row.id} aria-labelledby=${`dept-${row.id}`}>
    <h3 id=${`dept-${row.id}`}>${row.name}</h3>
    ${row.escalated_cases.length ? html`<div class="board-escalated">
      <h4>${t('board.workload.escalated', { count: row.counts.escalated })}</h4>
      <${CaseList} cases=${row.escalated_cases} />
    </div>` : null}
    ${row.workload.length ? html`<ul class="board-people">
      ${row.workload.map((w) => html`<li key=${w.assignee}>
        <span class="board-person">${personName(names, w.assignee)}</span>
        <span class="muted">${t('board.workload.open_cases', { count: w.open_cases })}</span>
        <${CaseList} cases=${w.cases} />
        ${w.open_cases > w.cases.length ? html`<a class="board-more" href=${href('/cases', { department: row.id, assignee: w.assignee })}>
          ${t('board.workload.more', { count: w.open_cases - w.cases.length })}</a>` : null}
      </li>`)}
    </ul>` : html`<p class="muted">${t('board.workload.nobody')}</p>`}
  </section>`);
}

function FeedLine({ change, names, fresh }) {
  const time = formatDateTime(change.at, { timeStyle: 'medium' });
  return html`<li class=${`feed-line${fresh ? ' feed-new' : ''}`} onClick=${(e) => openCase(e, change.number)}>
    <time class="feed-time" datetime=${change.at} title=${formatDateTime(change.at)}>${time}</time>
    <span class="feed-case">${caseLink(change.number)}</span>
    <span class="feed-kind">${kindName(change.kind)}</span>
    <span class="feed-status">${change.status ? html`<${StatusBadge} status=${change.status} name=${statusName(change.status)} />` : null}</span>
    <span class="feed-dept">${change.department_name || ''}</span>
    <span class="feed-actor">${actorName(names, change.actor)}</span>
    <span class="feed-text">${change.text}</span>
  </li>`;
}

function KindsFilter({ chosen, onChange }) {
  const all = chosen.length === 0;
  const checked = (kind) => all || chosen.includes(kind);
  const toggle = (kind, on) => {
    const now = new Set(all ? KINDS : chosen);
    if (on) now.add(kind);
    else now.delete(kind);
    onChange(now.size === KINDS.length ? [] : KINDS.filter((k) => now.has(k)));
  };
  const summary = all ? t('board.filter.kinds_all') : t('board.filter.kinds_some', { count: chosen.length });
  return html`<details class="board-kinds">
    <summary>${t('board.filter.kinds')}: ${summary}</summary>
    <fieldset>
      <legend class="visually-hidden">${t('board.filter.kinds')}</legend>
      <div class="board-kind-list">
        ${KINDS.map((kind) => html`<label key=${kind} class="board-check">
          <input type="checkbox" name="kind" value=${kind} checked=${checked(kind)}
            disabled=${!all && chosen.length === 1 && chosen[0] === kind}
            onChange=${(e) => toggle(kind, e.currentTarget.checked)} />
          ${kindName(kind)}</label>`)}
      </div>
      <div class="board-kind-actions">
        <button type="button" class="button-quiet" onClick=${() => onChange([])} disabled=${all}>${t('board.filter.kinds_select_all')}</button>
        <button type="button" class="button-quiet" onClick=${() => onChange(['status_changed'])}>${t('board.filter.kinds_statuses')}</button>
      </div>
    </fieldset>
  </details>`;
}

function feedStateText(state, error) {
  if (state === 'live') return t('board.feed.live');
  if (state === 'offline') return t('board.feed.offline');
  if (state === 'stopped') return t('board.feed.stopped', { reason: problemText(error) });
  return t('board.feed.connecting');
}

function useFeed(filters, { onArrived }) {
  const [lines, setLines] = useState([]);
  const [pending, setPending] = useState([]);
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState({ name: 'connecting', error: null });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const arrived = useRef(onArrived);
  arrived.current = onArrived;

  useEffect(() => {
    setLines([]);
    setPending([]);
    const poller = new FeedPoller({
      filters,
      onState: (name, error) => setState({ name, error }),
      onChanges: (changes, { catchingUp }) => {
        const newest = changes.slice().reverse().map((c) => ({ ...c, fresh: !catchingUp }));
        if (pausedRef.current && !catchingUp) setPending((before) => [...newest, ...before].slice(0, MAX_LINES));
        else setLines((before) => merge(newest, before));
        if (!catchingUp) arrived.current(changes, pausedRef.current);
      },
    });
    poller.start();
    return () => poller.stop();
  }, [filters.department, filters.kinds]);

  const resume = useCallback(() => {
    setPaused(false);
    setPending((waiting) => {
      setLines((before) => merge(waiting, before));
      return [];
    });
  }, []);
  return { lines, pending, paused, pause: () => setPaused(true), resume, state };
}

function merge(newest, before) {
  const seen = new Set();
  const out = [];
  for (const line of [...newest, ...before]) {
    if (seen.has(line.id)) continue;
    seen.add(line.id);
    out.push(line);
    if (out.length === MAX_LINES) break;
  }
  return out;
}

function useAnnouncer() {
  const [text, setText] = useState('');
  const gathered = useRef([]);
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const announce = useCallback((changes) => {
    gathered.current.push(...changes);
    if (timer.current) return;
    timer.current = setTimeout(() => {
      const all = gathered.current;
      gathered.current = [];
      timer.current = null;
      if (all.length === 1) setText(t('board.live.one', { number: all[0].number, text: all[0].text }));
      else if (all.length > 1) setText(t('board.live.many', { count: all.length }));
    }, ANNOUNCE_MS);
  }, []);
  return { text, announce };
}

export function BoardScreen({ query }) {
  const { me, can } = useSession();
  const department = query.department || '';
  const kinds = useMemo(() => (query.kinds ? query.kinds.split(',').filter((k) => KINDS.includes(k)) : []), [query.kinds]);
  const filters = useMemo(() => ({ department: department || undefined, kinds: kinds.join(',') || undefined }),
    [department, kinds.join(',')]);

  const board = useLoad(async () => {
    const [answer, names] = await Promise.all([api.get('/v1/admin/board'),
      staffNames(can, me).catch(() => ({}))]);
    return { rows: answer.departments, names };
  }, []);
  const refreshBoard = useMemo(() => debounce(() => board.reload(), 800, 3000), [board.reload]);
  useEffect(() => () => refreshBoard.cancel(), [refreshBoard]);

  const announcer = useAnnouncer();
  const feed = useFeed(filters, {
    onArrived: (changes, paused) => {
      if (changes.some((c) => COUNTING_KINDS.has(c.kind))) refreshBoard();
      if (!paused) announcer.announce(changes);
    },
  });

  const setFilter = (changes) => navigate('/board', { department, kinds: kinds.join(','), ...changes }, { replace: true });
  const names = board.data?.names || {};
  const rows = board.data?.rows || [];
  const shownRows = department ? rows.filter((r) => r.id === department) : rows;

  return html`<${Page} title=${t('board.title')} wide>
    ${board.data ? html`<section class="card" aria-labelledby="board-counters">
      <h2 id="board-counters">${t('board.counters.title')}</h2>
      <${Counters} rows=${shownRows} />
    </section>` : board.error ? null : html`<${Spinner} />`}
    ${board.error ? html`<${Alert} kind="error">${problemText(board.error)}</${Alert}>` : null}
    <div class="split board-split">
      <section class="card" aria-labelledby="board-feed">
        <div class="board-feed-head">
          <h2 id="board-feed">${t('board.feed.title')}</h2>
          <span class=${`board-state board-state-${feed.state.name}${feed.paused ? ' board-state-paused' : ''}`}>
            ${feed.paused ? t('board.feed.paused') : feedStateText(feed.state.name, feed.state.error)}</span>
          ${feed.paused
            ? html`<button type="button" class="button-quiet" onClick=${feed.resume}>${t('board.feed.resume', { count: feed.pending.length })}</button>`
            : html`<button type="button" class="button-quiet" onClick=${feed.pause}>${t('board.feed.pause')}</button>`}
        </div>
        <form class="inline board-filters" onSubmit=${(e) => e.preventDefault()}>
          <${Field} label=${t('board.filter.department')}>${({ id }) => html`
            <select id=${id} name="department" value=${department} onChange=${(e) => setFilter({ department: e.currentTarget.value })}>
              <option value="">${t('board.filter.all_departments')}</option>
              ${rows.map((r) => html`<option value=${r.id}>${r.name}</option>`)}
              ${department && !rows.some((r) => r.id === department) ? html`<option value=${department}>${department}</option>` : null}
            </select>`}</${Field}>
          <${KindsFilter} chosen=${kinds} onChange=${(chosen) => setFilter({ kinds: chosen.join(',') })} />
        </form>
        <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${announcer.text}</p>
        ${feed.state.name === 'offline' ? html`<${Alert} kind="warning">${t('board.feed.offline_long')}</${Alert}>` : null}
        ${feed.lines.length
          ? html`<ol class="feed" aria-label=${t('board.feed.list')}>
              ${feed.lines.map((c) => html`<${FeedLine} key=${c.id} change=${c} names=${names} fresh=${c.fresh} />`)}
            </ol>
            ${feed.lines.length === MAX_LINES ? html`<p class="muted board-note">${t('board.feed.bounded', { count: MAX_LINES })}</p>` : null}`
          : html`<p class="muted">${feed.state.name === 'connecting' ? t('board.feed.connecting') : t('board.feed.empty')}</p>`}
      </section>
      <section class="card" aria-labelledby="board-workload">
        <h2 id="board-workload">${t('board.workload.title')}</h2>
        ${board.data ? html`<${Workload} rows=${shownRows} names=${names} />` : null}
      </section>
    </div>
  </${Page}>`;
}
