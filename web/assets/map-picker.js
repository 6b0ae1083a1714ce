// The report form's map (issue 16, item 2): a Leaflet map to mark the place (click, or drag the
// marker; the address and coordinate fields stay the accessible alternative and follow the
// marker both ways), a point outside the municipality refused with a message, the photo's GPS
// position offered (the photos part dispatches `civicdesk:photo-location` {lat, lon} on the
// form), and before sending, the open public reports nearby in the same category ("Is it one
// of these?") with "Follow this one instead" (POST /v1/public/cases/{n}/subscriptions).
// form.js only imports this module; it finds its elements by id.

import { h } from './dom.js';
import { followCase } from './api.js';
import { page, announce, pageUrl } from './page.js';
import { intlLocale } from './i18n.js';
import { createMap, formatDate, inTerritory, loadLeaflet, mapInfo } from './map-common.js';

const $ = (id) => document.getElementById(id);
const form = $('case-form');
const holder = $('map-picker');
const nearbyBox = $('nearby-reports');
const latInput = $('f-lat');
const lonInput = $('f-lon');
const categorySelect = $('f-category');

let map = null;
let L = null;
let info = null;
let marker = null;
let status = null; // { key, params, error }
let offered = null; // the photo's {lat, lon}, until used or declined
let nearby = []; // features of GET /v1/public/reports/nearby
let nearbyAsked = '';
let following = null; // the number whose follow form is open
let followResult = null; // { number, key }

function t(key, params) {
  return page.t(key, params);
}

function point() {
  const lat = Number.parseFloat(latInput.value.replace(',', '.'));
  const lon = Number.parseFloat(lonInput.value.replace(',', '.'));
  return Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
}

// ---------------------------------------------------------------- the map

function renderStatus() {
  const line = $('map-status');
  if (!line) return;
  line.textContent = status ? t(status.key, status.params) : '';
  line.className = status && status.error ? 'field-error' : 'geo-status';
}

function setStatus(key, params, error = false) {
  status = key ? { key, params, error } : null;
  renderStatus();
  if (key) announce(t(key, params));
}

function placeMarker(lat, lon) {
  if (!map) return;
  if (!marker) {
    marker = L.marker([lat, lon], { draggable: true, keyboard: false, title: t('mapPickerLegend') }).addTo(map);
    marker.on('dragend', () => {
      const at = marker.getLatLng();
      choose(at.lat, at.lng, { fromMap: true });
    });
  } else {
    marker.setLatLng([lat, lon]);
  }
}

/** The point the citizen chose (map, photo, position, typed): checked against the territory. */
function choose(lat, lon, { fromMap = false } = {}) {
  if (info && !inTerritory(info, lat, lon)) {
    setStatus('mapOutside', null, true);
    // From the map: the fields keep the last good point, and so does the marker. Typed: the
    // fields hold the refused point, so no marker stands for it (the server refuses it too).
    const previous = fromMap ? point() : null;
    if (marker && previous && inTerritory(info, previous.lat, previous.lon)) {
      marker.setLatLng([previous.lat, previous.lon]);
    } else if (marker) {
      marker.remove();
      marker = null;
    }
    nearby = [];
    nearbyAsked = '';
    renderNearby();
    return false;
  }
  if (fromMap) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
  }
  placeMarker(lat, lon);
  setStatus('mapPointSet', { lat: lat.toFixed(5), lon: lon.toFixed(5) });
  askNearby();
  return true;
}

function typedPoint() {
  const at = point();
  if (at) choose(at.lat, at.lon);
}

async function showMap() {
  const region = h('div', { id: 'map-picker-map', class: 'map map-picker-map', role: 'region',
    'aria-label': t('mapRegion'), 'data-i18n-aria-label': 'mapRegion' });
  holder.replaceChildren(
    h('p', { class: 'hint', id: 'map-picker-hint', 'data-i18n': 'mapPickerHint', text: t('mapPickerHint') }),
    region,
    h('p', { id: 'map-status', class: 'geo-status', role: 'status' }),
    h('div', { id: 'photo-offer', class: 'notice photo-offer', hidden: true }));
  region.setAttribute('aria-describedby', 'map-picker-hint');
  setStatus('mapLoading');
  try {
    [L, info] = await Promise.all([loadLeaflet(), mapInfo(page.lang)]);
    map = createMap(L, region, info, { onPlain: () => setStatus('mapPlain') });
    setStatus(null);
    map.on('click', (event) => choose(event.latlng.lat, event.latlng.lng, { fromMap: true }));
    const at = point();
    if (at) choose(at.lat, at.lon);
  } catch (error) {
    console.warn(error);
    setStatus('mapUnavailable', null, true);
  }
}

// ---------------------------------------------------------------- the photo's position

function renderOffer() {
  const box = $('photo-offer');
  if (!box) return;
  box.hidden = !offered;
  if (!offered) return;
  box.replaceChildren(
    h('p', { text: t('mapPhotoOffer') }),
    h('div', { class: 'button-row' },
      h('button', { type: 'button', id: 'photo-offer-use', class: 'button secondary', text: t('mapPhotoUse') }),
      h('button', { type: 'button', id: 'photo-offer-ignore', class: 'button secondary', text: t('mapPhotoIgnore') })));
  $('photo-offer-use').addEventListener('click', () => {
    const { lat, lon } = offered;
    offered = null;
    renderOffer();
    if (choose(lat, lon, { fromMap: true })) map?.setView([lat, lon], Math.max(map.getZoom(), 16));
    latInput.focus();
  });
  $('photo-offer-ignore').addEventListener('click', () => {
    offered = null;
    renderOffer();
  });
}

form.addEventListener('civicdesk:photo-location', (event) => {
  const { lat, lon } = event.detail || {};
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  offered = { lat, lon };
  renderOffer();
  announce(t('mapPhotoOffer'));
});

// ---------------------------------------------------------------- nearby reports

async function askNearby() {
  const at = point();
  const category = categorySelect.value;
  const asked = at && category ? `${at.lat.toFixed(5)},${at.lon.toFixed(5)},${category},${page.lang}` : '';
  if (asked === nearbyAsked) return;
  nearbyAsked = asked;
  if (!asked) {
    nearby = [];
    renderNearby();
    return;
  }
  const query = new URLSearchParams({ lat: at.lat.toFixed(6), lon: at.lon.toFixed(6), category, lang: page.lang });
  try {
    const answer = await fetch(`/v1/public/reports/nearby?${query}`, { credentials: 'same-origin' });
    if (!answer.ok) throw new Error(`nearby: HTTP ${answer.status}`);
    const body = await answer.json();
    if (asked !== nearbyAsked) return; // a later point won
    nearby = body.features || [];
  } catch (error) {
    console.warn(error);
    nearby = [];
  }
  renderNearby();
  if (nearby.length) announce(t('mapNearbyTitle'));
}

function followForm(number) {
  const id = `follow-${number}`;
  const result = followResult && followResult.number === number ? followResult : null;
  const box = h('form', { class: 'follow-form', novalidate: true },
    h('label', { for: id, text: t('mapFollowEmail', { number }) }),
    h('input', { id, type: 'email', autocomplete: 'email', maxlength: 254, required: true, spellcheck: false }),
    h('button', { type: 'submit', class: 'button primary', text: t('mapFollowSend') }),
    h('p', { class: result && result.error ? 'field-error' : 'copy-status', role: 'status',
      text: result ? t(result.key, { number }) : '' }));
  box.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = box.querySelector('input').value.trim();
    try {
      if (!email || !email.includes('@')) throw new Error('email');
      await followCase(number, email, page.lang);
      followResult = { number, key: 'mapFollowSent' };
    } catch (error) {
      followResult = { number, key: 'mapFollowFailed', error: true };
    }
    renderNearby();
    announce(t(followResult.key, { number }));
    $(id)?.focus();
  });
  return box;
}

function nearbyItem(feature) {
  const p = feature.properties;
  const locale = intlLocale(page.lang);
  const open = following === p.number;
  return h('li', { class: 'nearby-item' },
    h('h3', {}, `${p.category_name} · ${p.number}`),
    h('p', { class: 'hint' },
      `${p.status_name} · ${t('mapReportedOn', { date: formatDate(p.requested_at, locale) })} · `
      + t('mapDistance', { m: Math.round(p.distance_m || 0) })),
    h('p', { text: p.description }),
    h('p', {}, h('a', { href: pageUrl('track.html', { number: p.number }), text: t('mapTrack', { number: p.number }) })),
    h('button', { type: 'button', class: 'button secondary', 'aria-expanded': open ? 'true' : 'false',
      'data-follow': p.number, text: t('mapFollowThis') }),
    open ? followForm(p.number) : null);
}

function renderNearby() {
  if (!nearbyBox) return;
  nearbyBox.hidden = !nearby.length;
  if (!nearby.length) {
    nearbyBox.replaceChildren();
    return;
  }
  nearbyBox.replaceChildren(
    h('h2', { id: 'nearby-title', text: t('mapNearbyTitle') }),
    h('p', { class: 'hint', text: t('mapNearbyIntro') }),
    h('ul', { class: 'nearby-list' }, nearby.map(nearbyItem)));
  for (const button of nearbyBox.querySelectorAll('button[data-follow]')) {
    button.addEventListener('click', () => {
      following = following === button.dataset.follow ? null : button.dataset.follow;
      renderNearby();
      if (following) $(`follow-${following}`)?.focus();
    });
  }
}

// ---------------------------------------------------------------- wiring

function start() {
  latInput.addEventListener('change', typedPoint);
  lonInput.addEventListener('change', typedPoint);
  categorySelect.addEventListener('change', askNearby);
  // page.js switches the language first (its listener came before this one)
  document.getElementById('lang-select')?.addEventListener('change', () => {
    renderStatus();
    renderOffer();
    nearbyAsked = '';
    askNearby();
  });
  showMap();
}

// After every module of the page ran (form.js draws the frame and picks the language).
if (holder && form) document.addEventListener('DOMContentLoaded', start);
