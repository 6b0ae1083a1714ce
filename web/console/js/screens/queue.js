// The queues (`#/cases?<filters>`): the cases a staff member works through, filtered by
// department, assignee, state and status, type, channel, category and period, in pages read by
// cursor; the filters and the page live in the URL, the page on screen refreshes itself without
// losing the place; saved views on the side, the search in the header.
import { html, useState, useEffect, useRef, useCallback, useMemo } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime, formatNumber, language } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorAlert, Page, Spinner, useLoad, useSession } from '../ui.js';
import messages from '../messages/queue.js';
import { apiQuery, categories, colleagues, departmentChoices, filtersOf, REFRESH_SECONDS, urlFilters } from '../queue/data.js';
import { QueueFilters } from '../queue/filters.js';
import { CaseRows, markData } from '../queue/rows.js';
import { SavedViews } from '../queue/views.js';
import { SearchBox } from '../queue/search.js';
import { OverdueLink, isOverdue, overdueQuery } from '../due/overdue.js';

register(messages);

const PAGES_KEY = 'civicdesk.console.queue-pages';

/** The cursors of the pages read so far for one set of filters ([null, page 2's, ...]), kept
 * for the tab so that reload and back find "previous" again. */
function storedPages(key) {
  try {
    const stored = JSON.parse(sessionStorage.getItem(PAGES_KEY) || 'null');
    if (stored && stored.key === key && Array.isArray(stored.pages)) return stored.pages;
  } catch { /* a broken entry: start again */ }
  return [null];
}

function storePages(key, pages) {
  sessionStorage.setItem(PAGES_KEY, JSON.stringify({ key, pages }));
}

/** One page of the queue and its count, read again every REFRESH_SECONDS (while the tab is
 * visible) and on `refresh()`, the rows on screen kept while a new answer is awaited. The count
 * is asked for once the page has come: the rows are what the staff member waits for. */
function useQueuePage(query, withCount) {
  const [state, setState] = useState({ page: null, count: null, error: null, loading: true, at: null });
  const generation = useRef(0);
  const text = JSON.stringify(query);
  const read = useCallback(async (background) => {
    generation.current += 1;
    const mine = generation.current;
    if (!background) setState((s) => ({ ...s, loading: true, error: null }));
    let page;
    try {
      page = await api.get('/v1/admin/cases', query);
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
      return;
    }
    if (mine !== generation.current) return;
    markData();
    setState((s) => ({ ...s, page, error: null, loading: false, at: new Date(),
      count: background ? s.count : undefined }));
    if (!withCount) return;
    // null: no count to show (the page's own count is shown instead); undefined: asked for.
    const count = await api.get('/v1/admin/case-count', query).catch(() => null);
    if (mine === generation.current) setState((s) => ({ ...s, count }));
  }, [text, withCount]);
  useEffect(() => { read(false); }, [read]);
  useEffect(() => {
    const timer = setInterval(() => { if (!document.hidden) read(true); }, REFRESH_SECONDS * 1000);
    const visible = () => { if (!document.hidden) read(true); };
    document.addEventListener('visibilitychange', visible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [read]);
  return { ...state, refresh: () => read(true) };
}

function CountLine({ count, page, loading, overdue }) {
  if ((loading && !page) || (count === undefined && !overdue)) return null;
  if (count && typeof count.count === 'number') {
    const key = count.complete === false ? 'queue.count.at_least' : 'queue.count';
    return html`<span>${t(key, { count: count.count, n: formatNumber(count.count) })}</span>`;
  }
  if (page && overdue) return html`<span>${t('due.view.count', { count: page.count, n: formatNumber(page.count) })}</span>`;
  if (page) return html`<span>${t('queue.count.page', { count: page.count, n: formatNumber(page.count) })}</span>`;
  return null;
}

export function QueueScreen({ query }) {
  const { me, can } = useSession();
  const limited = me.permissions?.['case.view'] === 'own_departments';
  const canListStaff = can('staff.list');
  const filters = filtersOf(query);
  const viewId = query.view || '';
  const overdue = isOverdue(query);
  const cursor = overdue ? null : query.cursor || null;
  const filterKey = JSON.stringify(filters);

  // An agent of several departments reads one department's queue at a time (the API asks them
  // to choose unless they filter by assignee): their first, until they pick another.
  const effective = { ...filters };
  if (limited && !overdue && !effective.department && !effective.assignee && me.departments.length) {
    effective.department = me.departments[0].id;
  }
  const request = overdue ? overdueQuery(apiQuery(effective)) : { ...apiQuery(effective), ...(cursor ? { cursor } : {}) };
  // The overdue view is one page of every overdue case: its own length is the count.
  const queue = useQueuePage(request, !overdue);
  // What the side and the filters need besides the rows is asked for once the rows have come
  // (the categories, public, at once): the rows are what the staff member waits for.
  const ready = Boolean(queue.page || queue.error);
  const reference = useLoad(() => categories(), [language()]);
  const cats = reference.data || [];
  const people = useLoad(() => (ready && canListStaff ? colleagues().catch(() => []) : Promise.resolve([])),
    [ready, canListStaff]);
  const staff = people.data || [];
  const departments = useMemo(() => departmentChoices(me, cats, limited), [me, cats, limited]);
  const names = useMemo(() => Object.fromEntries(staff.map((s) => [s.username, s.name])), [staff]);
  const views = useLoad(() => (ready ? api.get('/v1/admin/me/views') : Promise.resolve(null)), [ready]);

  const pages = storedPages(filterKey);
  let index = pages.indexOf(cursor);
  if (index < 0) { // a link to a later page: its earlier pages are not known, the first is
    pages.splice(1, pages.length, cursor);
    index = 1;
    storePages(filterKey, pages);
  }
  const nextCursor = queue.page?.next_cursor || null;

  function go(changes, { push = false } = {}) {
    const next = { ...filters, ...changes };
    const target = Object.fromEntries(Object.entries(next).filter(([, v]) => v));
    if (viewId) target.view = viewId;
    if (overdue) target.due = 'overdue';
    navigate('/cases', target, { replace: !push });
  }
  const set = (name, value) => go(typeof name === 'object' ? name : { [name]: value });
  const nextPage = () => {
    const known = pages.slice(0, index + 1);
    known.push(nextCursor);
    storePages(filterKey, known);
    go({ cursor: nextCursor }, { push: true });
  };
  const previousPage = () => {
    const previous = pages[index - 1];
    if (previous) go({ cursor: previous }, { push: true });
    else go({}, { push: true });
  };
  const openView = (view) => navigate('/cases', { ...urlFilters(view.filters), view: view.id }, { replace: true });

  const items = queue.page?.items || [];
  const activeView = (views.data?.items || []).find((v) => v.id === viewId);
  const title = overdue ? t('due.view.title') : activeView ? activeView.name : t('queue.title');
  return html`<${Page} title=${title} wide actions=${html`<${SearchBox} />`}>
    <div class="queue-layout">
      <div class="queue-side">
        <${OverdueLink} active=${overdue} filters=${filters} />
        <${SavedViews} views=${views} filters=${filters} activeId=${viewId} onChanged=${views.reload}
          onOpen=${openView} onDeleted=${() => navigate('/cases', filters, { replace: true })} />
      </div>
      <div class="queue-main">
        <${ErrorAlert} error=${reference.error} />
        <${QueueFilters} filters=${{ ...filters, department: effective.department || '' }} set=${set}
          departments=${departments} categories=${cats} colleagues=${staff} limited=${limited}
          canListStaff=${canListStaff} onReset=${() => navigate('/cases', {}, { replace: true })} />
        <div class="queue-bar">
          <p class="queue-count" role="status" aria-live="polite">
            <${CountLine} count=${queue.count} page=${queue.page} loading=${queue.loading} overdue=${overdue} />
          </p>
          <span class="muted queue-updated" data-at=${queue.at ? queue.at.toISOString() : ''}>${queue.at ? t('queue.updated', { time: formatDateTime(queue.at, { timeStyle: 'medium' }) }) : ''}</span>
          <button type="button" class="button-quiet" onClick=${queue.refresh}>${t('queue.refresh')}</button>
        </div>
        <${ErrorAlert} error=${queue.error} />
        ${queue.loading && !queue.page ? html`<${Spinner} label=${t('queue.loading')} />` : null}
        ${queue.page && items.length ? html`<div aria-busy=${queue.loading ? 'true' : 'false'}>
          <${CaseRows} items=${items} names=${names} caption=${overdue ? t('due.view.caption') : t('queue.caption', { title })} now=${queue.at?.getTime()} />
        </div>` : null}
        ${queue.page && !items.length ? html`<p class="card muted">${overdue ? t('due.view.empty') : cursor ? t('queue.empty_page') : t('queue.empty')}</p>` : null}
        ${queue.page && (index > 0 || nextCursor) ? html`<nav class="pager" aria-label=${t('queue.pages')}>
          <button type="button" class="button-quiet" disabled=${index === 0} onClick=${previousPage}>${t('queue.previous')}</button>
          <span>${t('queue.page', { page: index + 1 })}</span>
          <button type="button" class="button-quiet" disabled=${!nextCursor} onClick=${nextPage}>${t('queue.next')}</button>
        </nav>` : null}
      </div>
    </div>
  </${Page}>`;
}
