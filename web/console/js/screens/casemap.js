// The map of cases: the cases of the area on screen (GET /v1/admin/map?bbox=…, GeoJSON; the area
// asked for is the view within the municipality's bounds, read again when the map moves beyond
// what was read), as markers coloured by status and clustered where they crowd, filtered by
// assignee, period, status, category and department (kept in the URL). A marker's popup names
// the case and links to it; the same cases are listed beside the map, since a map alone is not
// accessible.
import { html, render, useState, useEffect, useRef, useMemo, useCallback } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime, formatNumber } from '../i18n.js';
import { href, navigate } from '../router.js';
import { MapBox, mapInfo } from '../map.js';
import { Page, Spinner, Alert, Field, StatusBadge, useLoad, useSession } from '../ui.js';
import { STATUSES, OPEN_STATUSES, statusName, staffNames, personName, debounce, problemText } from '../board/common.js';
import messages from '../messages/casemap.js';

register(messages);

//: Markers per request (the API's most) and the most requests for one area.
const PAGE_LIMIT = 1000;
const MAX_PAGES = 4;
//: Rows per page of the list beside the map.
const LIST_PAGE = 50;
//: How much the area read reaches beyond the view (a little panning needs no new read).
const VIEW_PADDING = 0.25;
//: Degrees the area may reach beyond the municipality's bounds.
const BOUNDS_MARGIN = 0.01;
//: The closest zoom when the tile server names none (or there are no tiles).
const MAX_ZOOM = 19;
//: The statuses one may filter by (a merged case keeps its own status of `merged`).
const FILTER_STATUSES = STATUSES.filter((s) => s !== 'merged');

/** The filters of the URL's query: `status` is the open statuses when absent, none for `all`. */
function readFilters(query) {
  let statuses = OPEN_STATUSES;
  if (query.status === 'all') statuses = [];
  else if (query.status) statuses = query.status.split(',').filter((s) => FILTER_STATUSES.includes(s));
  return { assignee: query.assignee || '', from: query.from || '', to: query.to || '',
    category: query.category || '', department: query.department || '', statuses };
}

function statusParam(statuses) {
  if (!statuses.length || statuses.length === FILTER_STATUSES.length) return 'all';
  if (statuses.length === OPEN_STATUSES.length && OPEN_STATUSES.every((s) => statuses.includes(s))) return undefined;
  return statuses.join(',');
}

function apiQuery(filters, box) {
  const day = (text, end) => (text ? new Date(`${text}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : undefined);
  const all = !filters.statuses.length || filters.statuses.length === FILTER_STATUSES.length;
  return {
    bbox: [box.west, box.south, box.east, box.north].map((v) => v.toFixed(6)).join(','),
    status: all ? undefined : filters.statuses.join(','),
    category: filters.category || undefined, department: filters.department || undefined,
    assignee: filters.assignee || undefined, from: day(filters.from, false), to: day(filters.to, true),
    limit: PAGE_LIMIT,
  };
}

/** The area to read: the view (padded) within the municipality's bounds; null when outside. */
function areaOf(map, info) {
  const view = map.getBounds().pad(VIEW_PADDING);
  let box = { west: view.getWest(), south: view.getSouth(), east: view.getEast(), north: view.getNorth() };
  const limits = info.bounds;
  if (limits) {
    box = { west: Math.max(box.west, limits.west - BOUNDS_MARGIN), south: Math.max(box.south, limits.south - BOUNDS_MARGIN),
      east: Math.min(box.east, limits.east + BOUNDS_MARGIN), north: Math.min(box.north, limits.north + BOUNDS_MARGIN) };
  }
  box = { west: Math.max(box.west, -180), south: Math.max(box.south, -90), east: Math.min(box.east, 180), north: Math.min(box.north, 90) };
  return box.west < box.east && box.south < box.north ? box : null;
}

/** Without a drawn map (Leaflet could not load), the municipality's whole bounds. */
function boundsArea(info) {
  const b = info.bounds;
  return b ? { west: b.west - BOUNDS_MARGIN, south: b.south - BOUNDS_MARGIN, east: b.east + BOUNDS_MARGIN, north: b.north + BOUNDS_MARGIN } : null;
}

function within(inner, outer) {
  return outer && inner.west >= outer.west && inner.east <= outer.east && inner.south >= outer.south && inner.north <= outer.north;
}

function tooLarge(error) {
  const fields = error?.body?.error?.fields || [];
  return fields.some((f) => f.field === 'bbox' && f.code === 'too_large');
}

function Popup({ feature, names }) {
  const p = feature.properties;
  return html`<div class="map-popup">
    <p class="map-popup-number"><strong>${p.number}</strong></p>
    <p>${p.category_name}</p>
    <p><${StatusBadge} status=${p.status} name=${statusName(p.status)} /></p>
    <p class="muted">${p.department_name}${p.assignee ? ` · ${personName(names, p.assignee)}` : ''}</p>
    <p class="muted">${formatDateTime(p.received_at)}</p>
    <p><a href=${href(`/cases/${p.number}`)}>${t('casemap.open_case', { number: p.number })}</a></p>
  </div>`;
}

function markerFor(L, feature, names) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry.coordinates;
  const icon = L.divIcon({ className: `case-marker case-marker-${p.status}`, iconSize: [20, 20],
    html: `<span data-case="${p.number}"></span>`, popupAnchor: [0, -8] });
  const marker = L.marker([lat, lon], { icon, keyboard: true, riseOnHover: true,
    title: t('casemap.marker', { number: p.number, category: p.category_name, status: statusName(p.status) }) });
  marker.bindPopup(() => {
    const element = document.createElement('div');
    render(html`<${Popup} feature=${feature} names=${names} />`, element);
    return element;
  }, { maxWidth: 280 });
  return marker;
}

function clusterGroup(L) {
  return L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 50, spiderfyOnMaxZoom: true,
    iconCreateFunction: (cluster) => {
      const count = cluster.getChildCount();
      cluster.options.title = t('casemap.cluster', { count });
      const size = count < 10 ? 'small' : count < 100 ? 'medium' : 'large';
      return L.divIcon({ className: `case-cluster case-cluster-${size}`, iconSize: [38, 38],
        html: `<span>${formatNumber(count)}</span>` });
    },
  });
}

function Legend({ statuses }) {
  return html`<ul class="map-legend" aria-label=${t('casemap.legend')}>
    ${statuses.map((s) => html`<li key=${s}><span class=${`case-marker case-marker-${s} map-legend-dot`} aria-hidden="true"></span>${statusName(s)}</li>`)}
  </ul>`;
}

function Filters({ filters, setFilters, categories, departments, names, me }) {
  const [dateError, setDateError] = useState(null);
  const toggleStatus = (status, on) => {
    const now = new Set(filters.statuses.length ? filters.statuses : FILTER_STATUSES);
    if (on) now.add(status);
    else now.delete(status);
    if (!now.size) return;
    setFilters({ statuses: FILTER_STATUSES.filter((s) => now.has(s)) });
  };
  const setDate = (name, value) => {
    const next = { ...filters, [name]: value };
    if (next.from && next.to && next.from > next.to) {
      setDateError(t('casemap.filter.to_before_from'));
      return;
    }
    setDateError(null);
    setFilters({ [name]: value });
  };
  const colleagues = Object.entries(names).filter(([u]) => u !== me.username).sort((a, b) => a[1].localeCompare(b[1]));
  const checked = (s) => !filters.statuses.length || filters.statuses.includes(s);
  return html`<form class="card map-filters" onSubmit=${(e) => e.preventDefault()} aria-labelledby="map-filters-title">
    <h2 id="map-filters-title" class="visually-hidden">${t('casemap.filters')}</h2>
    <div class="inline">
      <${Field} label=${t('casemap.filter.assignee')}>${({ id }) => html`
        <select id=${id} name="assignee" value=${filters.assignee} onChange=${(e) => setFilters({ assignee: e.currentTarget.value })}>
          <option value="">${t('casemap.filter.anyone')}</option>
          <option value="me">${t('casemap.filter.me')}</option>
          ${colleagues.map(([username, name]) => html`<option value=${username}>${name}</option>`)}
          ${filters.assignee && filters.assignee !== 'me' && !names[filters.assignee] ? html`<option value=${filters.assignee}>${filters.assignee}</option>` : null}
        </select>`}</${Field}>
      <${Field} label=${t('casemap.filter.department')}>${({ id }) => html`
        <select id=${id} name="department" value=${filters.department} onChange=${(e) => setFilters({ department: e.currentTarget.value })}>
          <option value="">${t('casemap.filter.all_departments')}</option>
          ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>`}</${Field}>
      <${Field} label=${t('casemap.filter.category')}>${({ id }) => html`
        <select id=${id} name="category" value=${filters.category} onChange=${(e) => setFilters({ category: e.currentTarget.value })}>
          <option value="">${t('casemap.filter.all_categories')}</option>
          ${categories.groups.map((g) => html`<optgroup label=${g.name}>
            ${categories.categories.filter((c) => c.group === g.id).map((c) => html`<option value=${c.id}>${c.name}</option>`)}
          </optgroup>`)}
        </select>`}</${Field}>
      <${Field} label=${t('casemap.filter.from')}>${({ id }) => html`
        <input id=${id} name="from" type="date" value=${filters.from} max=${filters.to || undefined}
          onChange=${(e) => setDate('from', e.currentTarget.value)} />`}</${Field}>
      <${Field} label=${t('casemap.filter.to')} error=${dateError}>${({ id, describedBy, invalid }) => html`
        <input id=${id} name="to" type="date" value=${filters.to} min=${filters.from || undefined}
          aria-describedby=${describedBy} aria-invalid=${invalid} onChange=${(e) => setDate('to', e.currentTarget.value)} />`}</${Field}>
    </div>
    <fieldset class="map-statuses">
      <legend>${t('casemap.filter.status')}</legend>
      ${FILTER_STATUSES.map((s) => html`<label key=${s} class="board-check">
        <input type="checkbox" name="status" value=${s} checked=${checked(s)}
          disabled=${filters.statuses.length === 1 && filters.statuses[0] === s}
          onChange=${(e) => toggleStatus(s, e.currentTarget.checked)} />
        <span class=${`case-marker case-marker-${s} map-legend-dot`} aria-hidden="true"></span>${statusName(s)}</label>`)}
      <span class="map-status-actions">
        <button type="button" class="button-quiet" onClick=${() => setFilters({ statuses: OPEN_STATUSES })}>${t('casemap.filter.open')}</button>
        <button type="button" class="button-quiet" onClick=${() => setFilters({ statuses: [] })}>${t('casemap.filter.every_status')}</button>
      </span>
    </fieldset>
  </form>`;
}

function CaseTable({ features, names, onShow }) {
  const [page, setPage] = useState(0);
  useEffect(() => setPage(0), [features]);
  const sorted = useMemo(() => features.slice().sort((a, b) => (b.properties.received_at || '').localeCompare(a.properties.received_at || '')), [features]);
  const pages = Math.max(1, Math.ceil(sorted.length / LIST_PAGE));
  const shown = sorted.slice(page * LIST_PAGE, (page + 1) * LIST_PAGE);
  if (!features.length) return null;
  return html`<div class="table-wrap map-list">
    <table>
      <caption class="visually-hidden">${t('casemap.list.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('casemap.list.number')}</th>
        <th scope="col">${t('casemap.list.category')}</th>
        <th scope="col">${t('casemap.list.status')}</th>
        <th scope="col">${t('casemap.list.department')}</th>
        <th scope="col">${t('casemap.list.assignee')}</th>
        <th scope="col">${t('casemap.list.received')}</th>
        <th scope="col"><span class="visually-hidden">${t('casemap.list.on_map')}</span></th>
      </tr></thead>
      <tbody>
        ${shown.map((f) => {
          const p = f.properties;
          return html`<tr key=${p.number} data-case=${p.number}>
            <td><a href=${href(`/cases/${p.number}`)}>${p.number}</a></td>
            <td>${p.category_name}</td>
            <td><${StatusBadge} status=${p.status} name=${statusName(p.status)} /></td>
            <td>${p.department_name}</td>
            <td>${p.assignee ? personName(names, p.assignee) : html`<span class="muted">${t('casemap.list.unassigned')}</span>`}</td>
            <td>${formatDateTime(p.received_at)}</td>
            <td><button type="button" class="button-quiet map-show" onClick=${() => onShow(p.number)}
              aria-label=${t('casemap.list.show', { number: p.number })}>${t('casemap.list.on_map')}</button></td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${pages > 1 ? html`<nav class="pager" aria-label=${t('casemap.list.pages')}>
      <button type="button" class="button-quiet" disabled=${page === 0} onClick=${() => setPage(page - 1)}>${t('casemap.list.previous')}</button>
      <span>${t('casemap.list.page', { page: page + 1, pages })}</span>
      <button type="button" class="button-quiet" disabled=${page + 1 >= pages} onClick=${() => setPage(page + 1)}>${t('casemap.list.next')}</button>
    </nav>` : null}
  </div>`;
}

function resultText(result) {
  if (result.outside) return t('casemap.outside');
  if (result.tooLarge) return t('casemap.too_large');
  if (result.truncated) return t('casemap.truncated', { count: result.features.length });
  return t('casemap.count', { count: result.features.length });
}

export function CaseMapScreen({ query }) {
  const { me, can } = useSession();
  const filters = useMemo(() => readFilters(query), [query.assignee, query.from, query.to, query.category,
    query.department, query.status]);
  const meta = useLoad(async () => {
    const [categories, names, info] = await Promise.all([api.get('/v1/admin/categories'),
      staffNames(can, me).catch(() => ({})), mapInfo().catch(() => null)]);
    return { categories, names, info };
  }, []);
  const [view, setView] = useState(null); // {map, L, info, cluster}
  const [result, setResult] = useState({ loading: true, features: [], truncated: false, outside: false, tooLarge: false, error: null });
  const requested = useRef(null); // the area and filters of the last read: {box, key, complete}
  const generation = useRef(0);
  const markers = useRef(new Map());
  const filtersKey = JSON.stringify(filters);
  const current = useRef({ filters, filtersKey });
  current.current = { filters, filtersKey };

  const load = useCallback(async () => {
    const info = view?.info || meta.data?.info;
    if (!info) {
      if (meta.data) setResult((before) => ({ ...before, loading: false })); // no map at all (map.js says so)
      return;
    }
    const box = view ? areaOf(view.map, info) : boundsArea(info);
    const { filters: wanted, filtersKey: key } = current.current;
    if (!box) {
      generation.current += 1;
      requested.current = { box: null, key, complete: true };
      setResult({ loading: false, features: [], truncated: false, outside: true, tooLarge: false, error: null });
      return;
    }
    const last = requested.current;
    if (last && last.key === key && last.complete && within(box, last.box)) return;
    generation.current += 1;
    const mine = generation.current;
    requested.current = { box, key, complete: true };
    setResult((before) => ({ ...before, loading: true, error: null }));
    try {
      const features = [];
      let cursor;
      let pages = 0;
      do {
        const answer = await api.get('/v1/admin/map', { ...apiQuery(wanted, box), cursor });
        if (mine !== generation.current) return;
        features.push(...answer.features);
        cursor = answer.next_cursor;
        pages += 1;
      } while (cursor && pages < MAX_PAGES);
      requested.current = { box, key, complete: !cursor };
      setResult({ loading: false, features, truncated: Boolean(cursor), outside: false, tooLarge: false, error: null });
    } catch (error) {
      if (mine !== generation.current) return;
      requested.current = null;
      setResult({ loading: false, features: [], truncated: false, outside: false, tooLarge: tooLarge(error),
        error: tooLarge(error) ? null : error });
    }
  }, [view, meta.data]);

  useEffect(() => { load(); }, [load, filtersKey]);
  useEffect(() => {
    if (!view) return undefined;
    const moved = debounce(load, 350, 1500);
    view.map.on('moveend', moved);
    return () => {
      moved.cancel();
      view.map.off('moveend', moved);
    };
  }, [view, load]);

  const names = meta.data?.names || {};
  useEffect(() => {
    if (!view) return;
    view.cluster.clearLayers();
    markers.current = new Map();
    const layers = result.features.map((f) => {
      const marker = markerFor(view.L, f, names);
      markers.current.set(f.properties.number, marker);
      return marker;
    });
    view.cluster.addLayers(layers);
  }, [view, result.features, meta.data]);

  const onReady = useCallback((map, L, info) => {
    // Clustering walks every zoom level down from the map's maximum: once the tiles are given up
    // (the plain fallback) the map has none, so it is set on the map itself, as the tile server's.
    map.setMaxZoom(info.tiles?.max_zoom || MAX_ZOOM);
    const cluster = clusterGroup(L);
    map.addLayer(cluster);
    setView({ map, L, info, cluster });
  }, []);

  const showOnMap = (number) => {
    const marker = markers.current.get(number);
    if (!marker || !view) return;
    view.map.getContainer().scrollIntoView({ block: 'nearest' });
    view.cluster.zoomToShowLayer(marker, () => {
      marker.openPopup();
      marker.getElement()?.focus();
    });
  };

  const setFilters = (changes) => {
    const next = { ...filters, ...changes };
    navigate('/map', { assignee: next.assignee, department: next.department, category: next.category,
      from: next.from, to: next.to, status: statusParam(next.statuses) }, { replace: true });
  };

  const departments = useMemo(() => {
    const found = new Map();
    const own = can('case.view') && me.permissions['case.view'] === 'own';
    for (const d of me.departments || []) found.set(d.id, d.name);
    if (!own) {
      for (const c of meta.data?.categories.categories || []) if (c.department) found.set(c.department, c.department_name || c.department);
      for (const f of result.features) if (f.properties.department) found.set(f.properties.department, f.properties.department_name);
    }
    if (filters.department && !found.has(filters.department)) found.set(filters.department, filters.department);
    return [...found].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }, [meta.data, result.features, me, filters.department]);

  const legend = useMemo(() => {
    const shown = filters.statuses.length ? filters.statuses : FILTER_STATUSES;
    return result.features.some((f) => f.properties.status === 'merged') ? [...shown, 'merged'] : shown;
  }, [filters.statuses, result.features]);

  return html`<${Page} title=${t('casemap.title')} wide>
    ${meta.data ? html`<${Filters} filters=${filters} setFilters=${setFilters} categories=${meta.data.categories}
      departments=${departments} names=${names} me=${me} />` : meta.error ? null : html`<${Spinner} />`}
    ${meta.error ? html`<${Alert} kind="error">${problemText(meta.error)}</${Alert}>` : null}
    <div class="map-layout">
      <section class="card map-card" aria-labelledby="map-title">
        <h2 id="map-title">${t('casemap.map')}</h2>
        <${MapBox} label=${t('casemap.map_label')} onReady=${onReady} withClusters className="map map-cases" />
        <${Legend} statuses=${legend} />
      </section>
      <section class="card map-list-card" aria-labelledby="map-list-title">
        <h2 id="map-list-title">${t('casemap.list.title')}</h2>
        ${result.loading ? html`<${Spinner} label=${t('casemap.loading')} />` : null}
        <p role="status" class=${result.loading ? 'visually-hidden' : 'map-count'}>${result.loading ? '' : resultText(result)}</p>
        ${result.error ? html`<${Alert} kind="error">${problemText(result.error)}</${Alert}>` : null}
        <${CaseTable} features=${result.features} names=${names} onShow=${showOnMap} />
      </section>
    </div>
  </${Page}>`;
}
