// Search (`#/search?q=`): cases by number, by requester (phone, e-mail, name) and by words of the
// subject, address and description in either script (GET /v1/admin/search). Results are shown as
// queue rows, in pages; a case or registry number that names exactly one case opens it.
import { html, useEffect, useMemo, useState } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatNumber } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorAlert, Page, Spinner, useLoad, useSession } from '../ui.js';
import messages from '../messages/queue.js';
import { colleagues } from '../queue/data.js';
import { CaseRows, markData } from '../queue/rows.js';
import { SearchBox } from '../queue/search.js';

register(messages);

export function SearchScreen({ query }) {
  const { can } = useSession();
  const q = (query.q || '').trim();
  const cursor = query.cursor || null;
  const [previous, setPrevious] = useState([]);
  const result = useLoad(async () => {
    if (!q) return null;
    const answer = await api.get('/v1/admin/search', { q, cursor });
    markData();
    return answer;
  }, [q, cursor]);
  const staff = useLoad(() => (can('staff.list') ? colleagues().catch(() => []) : Promise.resolve([])), []);
  const names = useMemo(() => Object.fromEntries((staff.data || []).map((s) => [s.username, s.name])), [staff.data]);
  const page = result.data;
  useEffect(() => {
    if (page && !cursor && ['number', 'registry'].includes(page.matched_by) && page.items.length === 1) {
      navigate(`/cases/${page.items[0].number}`, {}, { replace: true });
    }
  }, [page]);
  useEffect(() => { setPrevious([]); }, [q]);
  const next = () => {
    setPrevious([...previous, cursor]);
    navigate('/search', { q, cursor: page.next_cursor });
  };
  const back = () => {
    const rest = previous.slice(0, -1);
    setPrevious(rest);
    navigate('/search', { q, cursor: previous[previous.length - 1] || undefined });
  };
  const title = q ? t('search.title_for', { q }) : t('search.title');
  return html`<${Page} title=${title}>
    <div class="card"><${SearchBox} key=${q} initial=${q} /></div>
    ${result.loading ? html`<${Spinner} label=${t('search.searching')} />` : null}
    <${ErrorAlert} error=${result.error} />
    <p role="status" class="queue-count">${page ? (page.items.length
      ? t(page.truncated || page.next_cursor ? 'search.count.more' : 'search.count', { count: page.count, n: formatNumber(page.count) })
      : t('search.none', { q })) : ''}</p>
    ${page && page.items.length ? html`<p class="muted search-how">${t(`search.by.${page.matched_by}`)}
      ${page.truncated ? html` <strong>${t('search.truncated')}</strong>` : null}</p>` : null}
    ${page && page.items.length ? html`<${CaseRows} items=${page.items} names=${names} caption=${title} />` : null}
    ${page && (cursor || page.next_cursor) ? html`<nav class="pager" aria-label=${t('queue.pages')}>
      <button type="button" class="button-quiet" disabled=${!cursor} onClick=${back}>${t('queue.previous')}</button>
      <button type="button" class="button-quiet" disabled=${!page.next_cursor} onClick=${next}>${t('queue.next')}</button>
    </nav>` : null}
  </${Page}>`;
}
