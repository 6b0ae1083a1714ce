// What the portal's maps share (the report form's picker, the public map): Leaflet and its
// marker clustering from the console's vendored copy (loaded on first use), the municipality's
// map (GET /v1/public/map: tiles from its configurable URL, the territory, the areas), a plain
// background when no tile answers, the point-in-territory check, and the map texts.

import { STRINGS } from './i18n.js';
import { MAP_STRINGS } from './map-texts.js';
import { page } from './page.js';

for (const [lang, texts] of Object.entries(MAP_STRINGS)) Object.assign(STRINGS[lang], texts);

const VENDOR = '/console/vendor/leaflet/';
const loaded = {};
const infos = {};
const TILE_ERRORS_BEFORE_FALLBACK = 3;

function once(key, make) {
  loaded[key] ||= make();
  return loaded[key];
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

function loadStyle(href) {
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
}

/** Leaflet (`window.L`); with `clusters`, its marker clustering too. */
export async function loadLeaflet({ clusters = false } = {}) {
  loadStyle(`${VENDOR}leaflet.css`);
  await once('leaflet', () => loadScript(`${VENDOR}leaflet.js`));
  if (clusters) {
    loadStyle(`${VENDOR}MarkerCluster.css`);
    loadStyle(`${VENDOR}MarkerCluster.Default.css`);
    await once('cluster', () => loadScript(`${VENDOR}leaflet.markercluster.js`));
  }
  return window.L;
}

/** What the municipality's maps draw (GET /v1/public/map), once per language. */
export function mapInfo(lang) {
  infos[lang] ||= fetch(`/v1/public/map?lang=${encodeURIComponent(lang)}`, { credentials: 'same-origin' })
    .then((answer) => {
      if (!answer.ok) throw new Error(`map: HTTP ${answer.status}`);
      return answer.json();
    })
    .catch((error) => {
      delete infos[lang];
      throw error;
    });
  return infos[lang];
}

/** A Leaflet map of the municipality in `element`; `onPlain()` when it has no tiles. */
export function createMap(L, element, info, { onPlain = () => {} } = {}) {
  const map = L.map(element, { keyboard: true, maxZoom: info.tiles?.max_zoom || 19 });
  const box = info.bounds;
  if (box) map.fitBounds([[box.south, box.west], [box.north, box.east]]);
  else map.setView([0, 0], 2);
  if (info.tiles) {
    const layer = L.tileLayer(info.tiles.url, { attribution: info.tiles.attribution,
      maxZoom: info.tiles.max_zoom, subdomains: info.tiles.subdomains || 'abc' });
    let errors = 0;
    let tiles = 0;
    let plain = false;
    layer.on('tileload', () => { tiles += 1; });
    layer.on('tileerror', () => {
      errors += 1;
      if (!plain && tiles === 0 && errors >= TILE_ERRORS_BEFORE_FALLBACK) {
        plain = true;
        map.removeLayer(layer);
        element.classList.add('map-plain');
        onPlain();
      }
    });
    layer.addTo(map);
  } else {
    element.classList.add('map-plain');
    onPlain();
  }
  if (info.boundary) {
    L.geoJSON(info.boundary, { style: { color: '#0a4f96', weight: 2, fillOpacity: 0.03 }, interactive: false })
      .addTo(map);
  }
  return map;
}

function inRing(ring, lon, lat) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings, lon, lat) {
  return inRing(rings[0], lon, lat) && !rings.slice(1).some((hole) => inRing(hole, lon, lat));
}

function inGeometry(geometry, lon, lat) {
  if (!geometry) return false;
  if (geometry.type === 'Polygon') return inPolygon(geometry.coordinates, lon, lat);
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.some((p) => inPolygon(p, lon, lat));
  return false;
}

/** Whether the point is in the municipality: its boundary, else its districts, else anywhere
 * (the server checks the same, domain/municipality.py `covers`). */
export function inTerritory(info, lat, lon) {
  if (info.boundary) return inGeometry(info.boundary, lon, lat);
  const districts = (info.areas?.features || []).filter((f) => f.properties?.kind === 'district');
  if (districts.length) return districts.some((f) => inGeometry(f.geometry, lon, lat));
  return true;
}

/** The plural form of `key` (`key_one`, `key_few`, ...) for `count` in the page's language. */
export function plural(key, count) {
  const rules = new Intl.PluralRules(page.lang.startsWith('sr') ? 'sr' : page.lang);
  return page.t(`${key}_${rules.select(count)}`, { count });
}

/** A date in the page's language. */
export function formatDate(iso, locale) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}
