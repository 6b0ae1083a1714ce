// Where the problem is: the address, a point on the map (a click puts the marker there, the
// marker can be dragged) and the point's coordinates as two fields, the map's accessible
// alternative; a keyboard user can also pan the map with the arrow keys and take its centre.
import { html, useRef, useEffect, useState } from '../lib.js';
import { t } from '../i18n.js';
import { Field } from '../ui.js';
import { MapBox } from '../map.js';

//: Decimals kept of a coordinate (about 11 cm): what the nearby search accepts.
const DECIMALS = 6;
//: The zoom the map goes to for typed coordinates, and how long it waits for the typing to pause.
const FOLLOW_ZOOM = 16;
const TYPING_PAUSE_MS = 400;

/** A coordinate typed with a point or a comma, or null. */
export function parseCoordinate(text) {
  const value = String(text || '').trim().replace(',', '.');
  if (!/^-?\d{1,3}(\.\d+)?$/.test(value)) return null;
  return Number(value);
}

/** `44.0181, 20.9201` (pasted as a map or a message gives a point) split into its two numbers; also
 * with decimal commas (`44,0181 20,9201`, `44,0181; 20,9201`). Null for anything else. */
export function splitPair(text) {
  const value = String(text || '');
  const found = /^\s*(-?\d{1,3}\.\d+)\s*[,;\s]\s*(-?\d{1,3}\.\d+)\s*$/.exec(value)
    || /^\s*(-?\d{1,3},\d+)\s*[;\s]\s*(-?\d{1,3},\d+)\s*$/.exec(value);
  return found ? { lat: found[1].replace(',', '.'), lon: found[2].replace(',', '.') } : null;
}

export function formatCoordinate(value) {
  return String(Number(value.toFixed(DECIMALS)));
}

/** The point of the two fields, `null` while either is empty or not a number in range. */
export function pointOf(lat, lon) {
  const a = parseCoordinate(lat);
  const b = parseCoordinate(lon);
  if (a === null || b === null || Math.abs(a) > 90 || Math.abs(b) > 180) return null;
  return { lat: a, lon: b };
}

export function Place({ value, onChange, error, fieldErrors = {} }) {
  const [map, setMap] = useState(null);
  const marker = useRef(null);
  const latest = useRef(onChange);
  latest.current = onChange;
  const point = pointOf(value.lat, value.lon);

  // A point from the map is drawn at once; typed coordinates once the typing pauses, and the
  // map then zooms to them (digits typed one by one are no tour of the world).
  const fromMap = useRef(false);
  function setPoint(lat, lon) {
    fromMap.current = true;
    latest.current({ lat: formatCoordinate(lat), lon: formatCoordinate(lon) });
  }

  useEffect(() => {
    if (!map) return undefined;
    const { L, leaflet } = map;
    const draw = () => {
      if (!point) {
        marker.current?.remove();
        marker.current = null;
        return;
      }
      const at = [point.lat, point.lon];
      if (!marker.current) {
        marker.current = L.marker(at, { draggable: true, keyboard: false, alt: t('intake.place.marker') })
          .addTo(leaflet);
        marker.current.on('dragend', (event) => {
          const moved = event.target.getLatLng();
          setPoint(moved.lat, moved.lng);
        });
      } else {
        marker.current.setLatLng(at);
      }
      if (!typed) return;
      if (leaflet.getZoom() < FOLLOW_ZOOM) leaflet.setView(at, FOLLOW_ZOOM);
      else if (!leaflet.getBounds().contains(at)) leaflet.panTo(at);
    };
    const typed = !fromMap.current;
    fromMap.current = false;
    if (!typed) {
      draw();
      return undefined;
    }
    const timer = setTimeout(draw, TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [point?.lat, point?.lon, map]);

  function ready(leaflet, L) {
    leaflet.on('click', (event) => setPoint(event.latlng.lat, event.latlng.lng));
    setMap({ leaflet, L });
  }

  function takeCentre() {
    if (!map) return;
    const centre = map.leaflet.getCenter();
    setPoint(centre.lat, centre.lng);
  }

  const field = (name) => (event) => onChange({ [name]: event.currentTarget.value });
  function paste(event) {
    const pair = splitPair(event.clipboardData?.getData('text'));
    if (!pair) return;
    event.preventDefault();
    onChange(pair);
  }
  return html`<fieldset class="intake-place">
    <legend>${t('intake.place')}</legend>
    <${Field} label=${t('intake.address')} hint=${t('intake.address.hint')} error=${fieldErrors['location.address']}>${({ id, describedBy, invalid }) => html`
      <input id=${id} name="address" value=${value.address} maxlength="300" autocomplete="off"
        aria-describedby=${describedBy} aria-invalid=${invalid} onInput=${field('address')} />`}</${Field}>
    <div class="inline">
      <${Field} label=${t('intake.lat')} hint=${t('intake.lat.hint')} error=${fieldErrors['location.lat']}>${({ id, describedBy, invalid }) => html`
        <input id=${id} name="lat" value=${value.lat} inputmode="decimal" autocomplete="off"
          aria-describedby=${[describedBy, error ? 'intake-place-error' : null].filter(Boolean).join(' ') || undefined}
          aria-invalid=${invalid || (error ? 'true' : undefined)} onInput=${field('lat')} onPaste=${paste} />`}</${Field}>
      <${Field} label=${t('intake.lon')} hint=${t('intake.lon.hint')} error=${fieldErrors['location.lon']}>${({ id, describedBy, invalid }) => html`
        <input id=${id} name="lon" value=${value.lon} inputmode="decimal" autocomplete="off"
          aria-describedby=${[describedBy, error ? 'intake-place-error' : null].filter(Boolean).join(' ') || undefined}
          aria-invalid=${invalid || (error ? 'true' : undefined)} onInput=${field('lon')} onPaste=${paste} />`}</${Field}>
    </div>
    ${error ? html`<p class="field-error" id="intake-place-error" role="alert">${error}</p>` : null}
    <${MapBox} label=${t('intake.map')} className="map map-small" onReady=${ready} />
    <div class="intake-map-actions">
      <p class="hint" id="intake-map-hint">${t('intake.map.hint')}</p>
      <button type="button" class="button-quiet" aria-describedby="intake-map-hint" onClick=${takeCentre}>${t('intake.map.centre')}</button>
      ${point ? html`<button type="button" class="button-quiet" onClick=${() => onChange({ lat: '', lon: '' })}>${t('intake.map.clear')}</button>` : null}
    </div>
  </fieldset>`;
}
