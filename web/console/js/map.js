// Maps for the console's screens (intake's point, the map of cases): Leaflet, loaded when the
// first map opens (it is not part of the first load), the municipality's tile server from
// GET /v1/public/map, and a plain fallback: when no tile answers (no internet, the tile server
// down, none configured) the map shows the territory and the areas on a plain background, says
// so, and still takes clicks. The territory and the areas are always drawn.
import { html, useEffect, useRef, useState } from './lib.js';
import { t, language, register } from './i18n.js';
import messages from './messages/map.js';

register(messages);

const VENDOR = new URL('../vendor/leaflet/', import.meta.url);
let leaflet = null;
let cluster = null;
const infos = {};

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
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

/** Leaflet (`window.L`), loaded once; with `withClusters`, also its marker clustering. */
export async function loadLeaflet({ withClusters = false } = {}) {
  loadStyle(new URL('leaflet.css', VENDOR).href);
  leaflet ||= loadScript(new URL('leaflet.js', VENDOR).href);
  await leaflet;
  if (withClusters) {
    loadStyle(new URL('MarkerCluster.css', VENDOR).href);
    loadStyle(new URL('MarkerCluster.Default.css', VENDOR).href);
    cluster ||= loadScript(new URL('leaflet.markercluster.js', VENDOR).href);
    await cluster;
  }
  return window.L;
}

/** What to draw (GET /v1/public/map), once per language. */
export function mapInfo(lang = language()) {
  infos[lang] ||= fetch(`/v1/public/map?lang=${encodeURIComponent(lang)}`).then((answer) => {
    if (!answer.ok) throw new Error(`map: HTTP ${answer.status}`);
    return answer.json();
  }).catch((error) => {
    delete infos[lang];
    throw error;
  });
  return infos[lang];
}

//: Tile errors after which the map gives up on tiles and says so.
const TILE_ERRORS_BEFORE_FALLBACK = 3;

/** A Leaflet map in `element` of the municipality `info`; `onPlain()` when it falls back. */
export function createMap(L, element, info, { onPlain = () => {} } = {}) {
  // A maximum zoom even without tiles: Leaflet has none then, and marker clustering needs one.
  const map = L.map(element, { zoomControl: true, keyboard: true, attributionControl: true,
                               maxZoom: info.tiles?.max_zoom || 19 });
  const box = info.bounds;
  if (box) map.fitBounds([[box.south, box.west], [box.north, box.east]]);
  else map.setView([0, 0], 2);
  let plain = !info.tiles;
  if (info.tiles) {
    const layer = L.tileLayer(info.tiles.url, { attribution: info.tiles.attribution,
      maxZoom: info.tiles.max_zoom, subdomains: info.tiles.subdomains || 'abc' });
    let errors = 0;
    let loaded = 0;
    layer.on('tileload', () => { loaded += 1; });
    layer.on('tileerror', () => {
      errors += 1;
      if (!plain && loaded === 0 && errors >= TILE_ERRORS_BEFORE_FALLBACK) {
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
  if (info.areas?.features?.length) {
    L.geoJSON(info.areas, {
      style: { color: '#4a525c', weight: 1, fill: false, dashArray: '4 4' },
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, { sticky: true }),
      interactive: false,
    }).addTo(map);
  }
  if (info.boundary) {
    L.geoJSON(info.boundary, { style: { color: '#0a4f96', weight: 2, fillOpacity: 0.03 }, interactive: false })
      .addTo(map);
  }
  return map;
}

/** A map region on a screen. `onReady(map, L, info)` once it is drawn; `label` names it for
 * screen readers (the text alternative is on the screen: the address and coordinate fields, or
 * the list beside the map). */
export function MapBox({ label, onReady, className = 'map', withClusters = false }) {
  const element = useRef(null);
  const [state, setState] = useState('loading');
  const [plain, setPlain] = useState(false);
  useEffect(() => {
    let map = null;
    let cancelled = false;
    (async () => {
      try {
        const [L, info] = await Promise.all([loadLeaflet({ withClusters }), mapInfo()]);
        if (cancelled) return;
        map = createMap(L, element.current, info, { onPlain: () => setPlain(true) });
        setState('ready');
        onReady?.(map, L, info);
      } catch (error) {
        console.warn(error);
        if (!cancelled) setState('failed');
      }
    })();
    return () => {
      cancelled = true;
      map?.remove();
    };
  }, []);
  return html`<div class="map-box">
    <div ref=${element} class=${className} role="region" aria-label=${label}></div>
    ${state === 'loading' ? html`<p class="muted" role="status">${t('map.loading')}</p>` : null}
    ${state === 'failed' ? html`<p class="map-fallback" role="status">${t('map.unavailable')}</p>` : null}
    ${plain ? html`<p class="muted map-note" role="status">${t('map.plain')}</p>` : null}
  </div>`;
}
