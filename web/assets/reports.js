// The public map (web/reports.html, issue 16 item 3): the public reports of the last 30 days
// (GET /v1/public/reports, GeoJSON, a page per cursor) as clustered markers, filtered by
// category and status, and the list beside the map, the accessible alternative: each report's
// category, status, date, area, description, the municipality's answers and the photos, reached
// by keyboard; "Show on the map" centres the map on it and opens its popup.

import { h } from './dom.js';
import { page, startPage, announce, focusElement, pageUrl } from './page.js';
import { intlLocale } from './i18n.js';
import { getCategories } from './api.js';
import { createMap, formatDate, loadLeaflet, mapInfo, plural } from './map-common.js';

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 200;
//: What the status filter offers: the API's statuses, grouped as a citizen sees them.
const STATUS_GROUPS = {
  open: { key: 'mapStatusOpen', statuses: 'new,in_progress,waiting_for_citizen,referred' },
  resolved: { key: 'mapStatusResolved', statuses: 'resolved' },
  closed: { key: 'mapStatusClosed', statuses: 'closed,cancelled' },
};

let categories = [];
let reports = [];
let cursor = null;
let sequence = 0;
let map = null;
let L = null;
let layer = null;
const markers = new Map();

function t(key, params) {
  return page.t(key, params);
}

function renderFilters() {
  const category = $('filter-category');
  const wanted = category.value;
  category.replaceChildren(h('option', { value: '', text: t('mapAll') }),
    ...categories.map((c) => h('option', { value: c.id, text: c.name })));
  category.value = categories.some((c) => c.id === wanted) ? wanted : '';
  const status = $('filter-status');
  const chosen = status.value;
  status.replaceChildren(h('option', { value: '', text: t('mapAll') }),
    ...Object.entries(STATUS_GROUPS).map(([value, group]) => h('option', { value, text: t(group.key) })));
  status.value = chosen in STATUS_GROUPS ? chosen : '';
}

function popupContent(p) {
  return h('div', {},
    h('strong', { text: `${p.category_name} · ${p.number}` }),
    h('p', { text: `${p.status_name} · ${formatDate(p.requested_at, intlLocale(page.lang))}` }),
    h('p', { text: p.description }));
}

function showOnMap(number) {
  const marker = markers.get(number);
  if (!map || !marker) return;
  layer.zoomToShowLayer(marker, () => marker.openPopup());
  announce(t('mapShowOnMap'));
}

function reportItem(feature) {
  const p = feature.properties;
  const locale = intlLocale(page.lang);
  const answers = (p.answers || []).filter((a) => a.text || a.status_name);
  const photos = (p.photos || []).map((path, index) => h('img', {
    src: new URL(path, `${window.location.origin}/public-media/`).href, // docs/photos.md
    alt: t('mapPhoto', { n: index + 1, number: p.number }), loading: 'lazy' }));
  return h('li', { class: 'report-item', id: `report-${p.number}` },
    h('h3', {}, `${p.category_name} · ${p.number}`),
    h('p', { class: 'hint' },
      `${p.status_name} · ${t('mapReportedOn', { date: formatDate(p.requested_at, locale) })}`
      + (p.area ? ` · ${t('mapArea', { area: p.area })}` : '')),
    h('p', { text: p.description }),
    p.expected_at && p.open ? h('p', { class: 'hint', text: t('mapExpected', { date: formatDate(p.expected_at, locale) }) }) : null,
    p.precision_m ? h('p', { class: 'hint', text: t('mapApprox', { m: p.precision_m }) }) : null,
    answers.length ? h('h4', { text: t('mapAnswers') }) : null,
    answers.length ? h('ul', { class: 'report-answers' }, answers.map((a) => h('li', {},
      h('span', { class: 'hint', text: `${formatDate(a.at, locale)}${a.status_name ? ` · ${a.status_name}` : ''}: ` }),
      a.text || ''))) : null,
    photos.length ? h('div', { class: 'report-photos' }, photos) : null,
    h('div', { class: 'button-row' },
      feature.geometry
        ? h('button', { type: 'button', class: 'button secondary', 'data-show': p.number, text: t('mapShowOnMap') })
        : h('span', { class: 'hint', text: t('mapNoPoint') }),
      h('a', { href: pageUrl('track.html', { number: p.number }), text: t('mapTrack', { number: p.number }) })));
}

function renderList() {
  $('report-list').replaceChildren(...reports.map(reportItem));
  $('report-count').textContent = reports.length ? plural('mapCount', reports.length) : t('mapNoReports');
  $('report-more').hidden = !cursor;
  for (const button of document.querySelectorAll('#report-list button[data-show]')) {
    button.addEventListener('click', () => showOnMap(button.dataset.show));
  }
}

function renderMarkers() {
  if (!map) return;
  layer.clearLayers();
  markers.clear();
  for (const feature of reports) {
    if (!feature.geometry) continue;
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties;
    const marker = L.marker([lat, lon], { title: `${p.category_name}, ${p.status_name} (${p.number})`, alt: p.category_name });
    marker.bindPopup(() => popupContent(p));
    markers.set(p.number, marker);
    layer.addLayer(marker);
  }
}

function query(more) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), lang: page.lang });
  const category = $('filter-category').value;
  const status = STATUS_GROUPS[$('filter-status').value];
  if (category) params.set('category', category);
  if (status) params.set('status', status.statuses);
  if (more && cursor) params.set('cursor', cursor);
  return params;
}

/** Reads the reports (a first page, or the next with `more`); the list and the markers follow. */
async function load(more = false) {
  const mine = ++sequence;
  const answer = await fetch(`/v1/public/reports?${query(more)}`, { credentials: 'same-origin' });
  if (!answer.ok) throw new Error(`reports: HTTP ${answer.status}`);
  const body = await answer.json();
  if (mine !== sequence) return;
  reports = more ? [...reports, ...body.features] : body.features;
  cursor = body.next_cursor || null;
  renderList();
  renderMarkers();
  announce($('report-count').textContent);
}

async function showMap() {
  try {
    let info;
    [L, info] = await Promise.all([loadLeaflet({ clusters: true }), mapInfo(page.lang)]);
    if (map) return;
    map = createMap(L, $('reports-map'), info, { onPlain: () => { $('map-status').textContent = t('mapPlain'); } });
    layer = L.markerClusterGroup({ showCoverageOnHover: false });
    map.addLayer(layer);
    renderMarkers();
  } catch (error) {
    console.warn(error);
    $('map-status').textContent = t('mapUnavailable');
  }
}

$('report-filters').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await load(false);
  } catch (error) {
    console.warn(error);
    announce(t('loadFailed'));
  }
});

$('report-more').addEventListener('click', async () => {
  const first = reports.length;
  try {
    await load(true);
  } catch (error) {
    console.warn(error);
    announce(t('loadFailed'));
    return;
  }
  const next = $('report-list').children[first];
  if (next) {
    next.tabIndex = -1;
    focusElement(next);
  }
});

startPage({
  titleKey: 'mapPageTitle',
  loadData: (lang) => getCategories(lang),
  render: async (data) => {
    categories = (data.categories || []).map((c) => ({ id: c.id, name: c.name }));
    renderFilters();
    showMap();
    try {
      await load(false);
    } catch (error) {
      console.warn(error);
      announce(t('loadFailed'));
    }
  },
  onTexts: () => {
    renderFilters();
    renderList();
  },
});
