// Saved views: a staff member's own named sets of queue filters (GET/POST /v1/admin/me/views,
// PUT/DELETE /v1/admin/me/views/{id}). Each opens as a link (`#/cases?view=<id>&<filters>`);
// the open one can take the filters now on screen, be renamed or deleted.
import { html, useState, useRef, useEffect } from '../lib.js';
import { api } from '../api.js';
import { t, formatNumber } from '../i18n.js';
import { href } from '../router.js';
import { ErrorAlert, Field, useAction } from '../ui.js';
import { apiQuery, sameFilters, urlFilters } from './data.js';

//: Views whose cases are counted in the list (one GET /v1/admin/case-count each, one at a time).
const COUNTED = 20;

/** How many cases each of the first COUNTED views holds now: {id: {count, complete}}. */
function useViewCounts(items) {
  const [counts, setCounts] = useState({});
  const key = JSON.stringify(items.slice(0, COUNTED).map((v) => [v.id, v.filters]));
  useEffect(() => {
    let stopped = false;
    (async () => {
      for (const view of items.slice(0, COUNTED)) {
        if (stopped) return;
        const count = await api.get('/v1/admin/case-count', apiQuery(view.filters)).catch(() => null);
        if (!stopped && count) setCounts((c) => ({ ...c, [view.id]: count }));
      }
    })();
    return () => { stopped = true; };
  }, [key]);
  return counts;
}

function NameForm({ initial = '', submitLabel, onSubmit, onCancel, busy }) {
  const [name, setName] = useState(initial);
  const input = useRef(null);
  useEffect(() => { input.current?.focus(); }, []);
  return html`<form class="view-form" onSubmit=${(e) => { e.preventDefault(); if (name.trim()) onSubmit(name.trim()); }}>
    <${Field} label=${t('views.name')} required>${({ id }) => html`
      <input id=${id} ref=${input} value=${name} maxlength="100" required
        onInput=${(e) => setName(e.currentTarget.value)}
        onKeyDown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } }} />`}</${Field}>
    <div class="page-actions">
      <button type="submit" disabled=${busy}>${submitLabel}</button>
      <button type="button" class="button-quiet" onClick=${onCancel}>${t('common.cancel')}</button>
    </div>
  </form>`;
}

/** The list of views and what can be done with them. `filters` are the URL's now, `activeId`
 * the view the URL names, `onOpened(view)` after saving (to open it), `onDeleted()`. */
export function SavedViews({ views, filters, activeId, onChanged, onOpen, onDeleted }) {
  const [mode, setMode] = useState(null); // 'save' | 'rename' | null
  const [notice, setNotice] = useState(null);
  const { busy, error, run } = useAction();
  const active = (views.data?.items || []).find((v) => v.id === activeId) || null;
  const changed = active && !sameFilters(active.filters, filters);

  async function save(name) {
    const saved = await run(() => api.post('/v1/admin/me/views', { name, filters: apiQuery(filters) }));
    if (saved) {
      setMode(null);
      setNotice(t('views.saved', { name: saved.name }));
      await onChanged();
      onOpen(saved);
    }
  }
  async function rename(name) {
    const saved = await run(() => api.put(`/v1/admin/me/views/${active.id}`, { name, filters: active.filters }));
    if (saved) {
      setMode(null);
      setNotice(t('views.renamed', { name: saved.name }));
      await onChanged();
    }
  }
  async function update() {
    const saved = await run(() => api.put(`/v1/admin/me/views/${active.id}`, { name: active.name, filters: apiQuery(filters) }));
    if (saved) {
      setNotice(t('views.updated', { name: saved.name }));
      await onChanged();
    }
  }
  async function remove() {
    if (!window.confirm(t('views.delete.confirm', { name: active.name }))) return;
    const done = await run(() => api.delete(`/v1/admin/me/views/${active.id}`));
    if (done) {
      setNotice(t('views.deleted', { name: active.name }));
      await onChanged();
      onDeleted();
    }
  }

  const items = views.data?.items || [];
  const counts = useViewCounts(items);
  return html`<nav class="card saved-views" aria-labelledby="saved-views-title">
    <h2 id="saved-views-title">${t('views.title')}</h2>
    ${views.error && !views.data ? html`<${ErrorAlert} error=${views.error} />` : null}
    ${items.length ? html`<ul class="view-list">
      ${items.map((view) => html`<li key=${view.id}>
        <a href=${href('/cases', { ...urlFilters(view.filters), view: view.id })}
          aria-current=${view.id === activeId ? 'true' : undefined}>
          <span class="view-name">${view.name}</span>
          ${counts[view.id] ? html`<span class="view-count" aria-hidden="true">${formatNumber(counts[view.id].count)}${counts[view.id].complete === false ? '+' : ''}</span>
            <span class="visually-hidden">, ${t(counts[view.id].complete === false ? 'queue.count.at_least' : 'queue.count',
              { count: counts[view.id].count, n: formatNumber(counts[view.id].count) })}</span>` : null}
        </a>
      </li>`)}
    </ul>` : views.data ? html`<p class="muted">${t('views.none')}</p>` : null}
    ${active && mode === null ? html`<div class="view-actions">
      ${changed ? html`<button type="button" class="button-quiet" disabled=${busy} onClick=${update}>${t('views.update')}</button>` : null}
      <button type="button" class="button-quiet" disabled=${busy}
        aria-label=${t('views.rename.label', { name: active.name })} onClick=${() => { setNotice(null); setMode('rename'); }}>${t('views.rename')}</button>
      <button type="button" class="button-quiet" disabled=${busy}
        aria-label=${t('views.delete.label', { name: active.name })} onClick=${remove}>${t('views.delete')}</button>
    </div>` : null}
    ${mode === 'rename' ? html`<${NameForm} initial=${active.name} submitLabel=${t('views.rename')} busy=${busy}
      onSubmit=${rename} onCancel=${() => setMode(null)} />` : null}
    ${mode === 'save' ? html`<${NameForm} submitLabel=${t('common.save')} busy=${busy}
      onSubmit=${save} onCancel=${() => setMode(null)} />` : null}
    ${mode === null ? html`<button type="button" disabled=${busy} onClick=${() => { setNotice(null); setMode('save'); }}>${t('views.save')}</button>` : null}
    <${ErrorAlert} error=${error} />
    <div role="status" class="view-notice">${notice ? html`<p class="alert alert-success">${notice}</p>` : null}</div>
  </nav>`;
}
