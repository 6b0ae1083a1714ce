// Audiences (audience.view; audience.manage builds them) and contact lists (audience.manage_lists
// imports them): who campaigns and surveys reach. An audience is subscribers of a topic in areas,
// contact lists, the requesters of cases matching a filter, or one of those narrowed to a polygon
// drawn on the map (click the map to add a corner; or, by keyboard, move the map with the arrow
// keys and add its centre, or type a corner's coordinates). The preview shows counts and a few
// members redacted, never their contact data. A CSV import lists every wrong row and imports
// nothing until the administrator says to import the valid rows.
import { html, useState, useMemo, useRef } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime, formatNumber, language, LANGUAGE_NAMES } from '../i18n.js';
import { Field, Page, Spinner, useLoad, useSession } from '../ui.js';
import { MapBox, mapInfo } from '../map.js';
import { Confirm, ProblemAlert, problem } from '../admin/parts.js';
import messages from '../messages/audiences.js';

register(messages);

const AUDIENCES = '/v1/admin/audiences';
const LISTS = '/v1/admin/contact-lists';
const KINDS = ['subscribers', 'contact_list', 'cases', 'polygon'];
const SOURCES = ['subscribers', 'contact_list', 'cases'];
const STATUSES = ['new', 'in_progress', 'waiting_for_citizen', 'referred', 'resolved', 'closed'];
const CHANNELS = ['email', 'sms', 'phone'];

function blank() {
  return { id: null, name: '', description: '', version: null,
    rule: { kind: 'contact_list', topics: [], areas: [], lists: [], categories: [], statuses: [],
      opened_from: '', opened_to: '', followers: true, polygon: null, source: 'contact_list' } };
}

/** The rule as the API takes it: only the fields of its kind (and, for a polygon, its source). */
function ruleBody(rule, corners) {
  const base = rule.kind === 'polygon' ? rule.source : rule.kind;
  const body = { kind: rule.kind };
  if (base === 'subscribers') Object.assign(body, { topics: rule.topics, areas: rule.areas });
  if (base === 'contact_list') body.lists = rule.lists;
  if (base === 'cases') {
    Object.assign(body, { categories: rule.categories, statuses: rule.statuses, areas: rule.areas, followers: rule.followers });
    if (rule.opened_from) body.opened_from = rule.opened_from;
    if (rule.opened_to) body.opened_to = rule.opened_to;
  }
  if (rule.kind === 'polygon') {
    body.source = rule.source;
    if (base !== 'cases') delete body.areas;
    if (corners.length) {
      const ring = corners.map(([lat, lon]) => [lon, lat]);
      body.polygon = { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
    }
  }
  return body;
}

function Choices({ legend, name, options, chosen, onChange, hint }) {
  const toggle = (id, on) => onChange(on ? [...chosen, id] : chosen.filter((c) => c !== id));
  return html`<fieldset class="audience-choices">
    <legend>${legend}</legend>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
    ${options.length ? html`<ul class="audience-choice-list">${options.map((o) => html`<li>
      <label><input type="checkbox" name=${name} value=${o.id} checked=${chosen.includes(o.id)}
        onChange=${(e) => toggle(o.id, e.currentTarget.checked)} /> ${o.name}</label></li>`)}</ul>`
      : html`<p class="muted">${t('audiences.none_to_choose')}</p>`}
  </fieldset>`;
}

function PolygonDrawer({ corners, setCorners }) {
  const mapRef = useRef(null);
  const layer = useRef(null);
  const [lat, setLat] = useState('');
  const [lon, setLon] = useState('');
  const cornersRef = useRef(corners);
  cornersRef.current = corners;
  function redraw(next) {
    const map = mapRef.current;
    if (!map) return;
    layer.current?.remove();
    if (next.length) layer.current = window.L.polygon(next, { color: '#b3261e', weight: 2 }).addTo(map);
  }
  function add(point) {
    const next = [...cornersRef.current, point];
    setCorners(next);
    redraw(next);
  }
  function change(next) {
    setCorners(next);
    redraw(next);
  }
  const ready = (map) => {
    mapRef.current = map;
    map.on('click', (e) => add([Number(e.latlng.lat.toFixed(6)), Number(e.latlng.lng.toFixed(6))]));
    redraw(cornersRef.current);
  };
  const typed = () => {
    const a = Number(lat.replace(',', '.'));
    const b = Number(lon.replace(',', '.'));
    if (!lat || !lon || !Number.isFinite(a) || !Number.isFinite(b) || Math.abs(a) > 90 || Math.abs(b) > 180) return;
    add([a, b]);
    setLat('');
    setLon('');
  };
  const centre = () => {
    const c = mapRef.current?.getCenter();
    if (c) add([Number(c.lat.toFixed(6)), Number(c.lng.toFixed(6))]);
  };
  return html`<fieldset class="audience-polygon">
    <legend>${t('audiences.polygon')}</legend>
    <p class="hint" id="audience-polygon-hint">${t('audiences.polygon.hint')}</p>
    <${MapBox} label=${t('audiences.polygon.map')} onReady=${ready} className="map audience-map" />
    <div class="inline">
      <button type="button" class="button-quiet" onClick=${centre}>${t('audiences.polygon.centre')}</button>
      <button type="button" class="button-quiet" disabled=${!corners.length} onClick=${() => change(corners.slice(0, -1))}>${t('audiences.polygon.undo')}</button>
      <button type="button" class="button-quiet" disabled=${!corners.length} onClick=${() => change([])}>${t('audiences.polygon.clear')}</button>
    </div>
    <div class="inline">
      <${Field} label=${t('audiences.polygon.lat')}>${({ id }) => html`<input id=${id} name="corner-lat" inputmode="decimal" value=${lat} onInput=${(e) => setLat(e.currentTarget.value)} />`}</${Field}>
      <${Field} label=${t('audiences.polygon.lon')}>${({ id }) => html`<input id=${id} name="corner-lon" inputmode="decimal" value=${lon} onInput=${(e) => setLon(e.currentTarget.value)} />`}</${Field}>
      <button type="button" class="button-quiet audience-add-corner" onClick=${typed}>${t('audiences.polygon.add')}</button>
    </div>
    <p role="status" class="muted">${t('audiences.polygon.count', { count: corners.length })}</p>
    ${corners.length ? html`<ol class="audience-corners">${corners.map(([a, b]) => html`<li>${a}, ${b}</li>`)}</ol>` : null}
  </fieldset>`;
}

function Counts({ title, counts, name }) {
  const rows = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  return html`<div class="table-wrap"><table class="audience-counts">
    <caption>${title}</caption>
    <thead><tr><th scope="col">${title}</th><th scope="col">${t('audiences.preview.members')}</th></tr></thead>
    <tbody>${rows.map(([key, count]) => html`<tr><th scope="row">${name(key)}</th><td>${formatNumber(count)}</td></tr>`)}</tbody>
  </table></div>`;
}

function PreviewPanel({ preview, areaNames }) {
  if (!preview) return null;
  const area = (id) => (id ? areaNames[id] || id : t('audiences.area.unknown'));
  return html`<section class="card audience-preview" aria-labelledby="audience-preview-title">
    <h2 id="audience-preview-title">${t('audiences.preview.title')}</h2>
    <p role="status" class="audience-total">${t('audiences.preview.total', { count: preview.total })}</p>
    <div class="columns">
      <${Counts} title=${t('audiences.preview.by_channel')} counts=${preview.by_channel} name=${(c) => t(`audiences.channel.${c}`)} />
      <${Counts} title=${t('audiences.preview.by_language')} counts=${preview.by_language} name=${(l) => LANGUAGE_NAMES[l] || l} />
      <${Counts} title=${t('audiences.preview.by_area')} counts=${preview.by_area} name=${area} />
      <${Counts} title=${t('audiences.preview.by_source')} counts=${preview.by_source} name=${(s) => t(`audiences.source.${s}`)} />
    </div>
    ${preview.sample.length ? html`<div class="table-wrap"><table>
      <caption>${t('audiences.preview.sample')}</caption>
      <thead><tr>${['name', 'email', 'phone', 'language', 'area', 'channels'].map((c) => html`<th scope="col">${t(`audiences.col.${c}`)}</th>`)}</tr></thead>
      <tbody>${preview.sample.map((m) => html`<tr><td>${m.name || '–'}</td><td>${m.email || '–'}</td><td>${m.phone || '–'}</td>
        <td>${LANGUAGE_NAMES[m.language] || m.language}</td><td>${area(m.area)}</td><td>${m.channels.map((c) => t(`audiences.channel.${c}`)).join(', ')}</td></tr>`)}</tbody>
    </table></div>` : null}
  </section>`;
}

function AudienceForm({ initial, lists, areas, categories, onSaved, onCancel }) {
  const [draft, setDraft] = useState(initial);
  const [corners, setCorners] = useState(() => (initial.rule.polygon?.coordinates?.[0] || []).slice(0, -1).map(([lon, lat]) => [lat, lon]));
  const [error, setError] = useState(null);
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState(false);
  const rule = draft.rule;
  const base = rule.kind === 'polygon' ? rule.source : rule.kind;
  const setRule = (changes) => setDraft({ ...draft, rule: { ...rule, ...changes } });
  const fields = error ? problem(error).fields : {};
  const areaNames = Object.fromEntries(areas.map((a) => [a.id, a.name]));

  async function run(kind) {
    setBusy(true);
    setError(null);
    try {
      if (kind === 'preview') {
        setPreview(await api.post(`${AUDIENCES}/preview`, { rule: ruleBody(rule, corners), limit: 10 }));
      } else {
        const body = { name: draft.name.trim(), description: draft.description, rule: ruleBody(rule, corners) };
        const saved = draft.id ? await api.put(`${AUDIENCES}/${draft.id}`, { ...body, version: draft.version })
          : await api.post(AUDIENCES, body);
        onSaved(saved, !draft.id);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  const submit = (e) => { e.preventDefault(); run('save'); };
  const fieldText = (name) => fields[name] || null;
  return html`<form class="card audience-form" onSubmit=${submit} novalidate aria-labelledby="audience-form-title">
    <h2 id="audience-form-title">${draft.id ? t('audiences.edit.title', { name: initial.name }) : t('audiences.new.title')}</h2>
    <${ProblemAlert} error=${error} />
    <div class="inline">
      <${Field} label=${t('audiences.field.name')} error=${fieldText('name')} required>${({ id, describedBy, invalid }) => html`
        <input id=${id} name="name" maxlength="120" required value=${draft.name} aria-describedby=${describedBy} aria-invalid=${invalid}
          onInput=${(e) => setDraft({ ...draft, name: e.currentTarget.value })} />`}</${Field}>
      <${Field} label=${t('audiences.field.kind')} error=${fieldText('rule.kind')}>${({ id, describedBy, invalid }) => html`
        <select id=${id} name="kind" value=${rule.kind} aria-describedby=${describedBy} aria-invalid=${invalid}
          onChange=${(e) => setRule({ kind: e.currentTarget.value })}>
          ${KINDS.map((k) => html`<option value=${k}>${t(`audiences.kind.${k}`)}</option>`)}</select>`}</${Field}>
      ${rule.kind === 'polygon' ? html`<${Field} label=${t('audiences.field.source')}>${({ id }) => html`
        <select id=${id} name="source" value=${rule.source} onChange=${(e) => setRule({ source: e.currentTarget.value })}>
          ${SOURCES.map((k) => html`<option value=${k}>${t(`audiences.kind.${k}`)}</option>`)}</select>`}</${Field}>` : null}
    </div>
    <${Field} label=${t('audiences.field.description')}>${({ id }) => html`<textarea id=${id} name="description" rows="2" maxlength="1000"
      value=${draft.description} onInput=${(e) => setDraft({ ...draft, description: e.currentTarget.value })}></textarea>`}</${Field}>
    <p class="hint">${t(`audiences.kind.${rule.kind}.hint`)}</p>
    ${base === 'subscribers' ? html`<${Field} label=${t('audiences.field.topics')} hint=${t('audiences.field.topics.hint')} error=${fieldText('rule.topics')} required>
      ${({ id, describedBy, invalid }) => html`<input id=${id} name="topics" value=${rule.topics.join(', ')} aria-describedby=${describedBy} aria-invalid=${invalid}
        onInput=${(e) => setRule({ topics: e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean) })} />`}</${Field}>` : null}
    ${base === 'contact_list' ? html`<${Choices} legend=${t('audiences.field.lists')} name="lists" options=${lists}
      chosen=${rule.lists} onChange=${(chosen) => setRule({ lists: chosen })} hint=${fieldText('rule.lists')} />` : null}
    ${(base === 'subscribers' && rule.kind !== 'polygon') || base === 'cases' ? html`<${Choices} legend=${t('audiences.field.areas')} name="areas"
      hint=${t('audiences.field.areas.hint')} options=${areas} chosen=${rule.areas} onChange=${(chosen) => setRule({ areas: chosen })} />` : null}
    ${base === 'cases' ? html`
      <${Choices} legend=${t('audiences.field.categories')} name="categories" options=${categories} chosen=${rule.categories}
        onChange=${(chosen) => setRule({ categories: chosen })} hint=${t('audiences.field.any')} />
      <${Choices} legend=${t('audiences.field.statuses')} name="statuses" options=${STATUSES.map((s) => ({ id: s, name: t(`audiences.status.${s}`) }))}
        chosen=${rule.statuses} onChange=${(chosen) => setRule({ statuses: chosen })} hint=${t('audiences.field.any')} />
      <div class="inline">
        <${Field} label=${t('audiences.field.from')}>${({ id }) => html`<input id=${id} type="date" name="opened_from" value=${rule.opened_from || ''} onInput=${(e) => setRule({ opened_from: e.currentTarget.value })} />`}</${Field}>
        <${Field} label=${t('audiences.field.to')} error=${fieldText('rule.opened_to')}>${({ id }) => html`<input id=${id} type="date" name="opened_to" value=${rule.opened_to || ''} onInput=${(e) => setRule({ opened_to: e.currentTarget.value })} />`}</${Field}>
      </div>
      <label class="audience-check"><input type="checkbox" name="followers" checked=${rule.followers} onChange=${(e) => setRule({ followers: e.currentTarget.checked })} /> ${t('audiences.field.followers')}</label>` : null}
    ${rule.kind === 'polygon' ? html`<${PolygonDrawer} corners=${corners} setCorners=${setCorners} />
      ${fieldText('rule.polygon') ? html`<p class="field-error" role="alert">${fieldText('rule.polygon')}</p>` : null}` : null}
    <div class="admin-card-actions">
      <button type="button" class="button-quiet" disabled=${busy} onClick=${() => run('preview')}>${t('audiences.preview')}</button>
      <button type="submit" disabled=${busy}>${t('common.save')}</button>
      <button type="button" class="button-quiet" onClick=${onCancel}>${t('common.cancel')}</button>
    </div>
    <${PreviewPanel} preview=${preview} areaNames=${areaNames} />
  </form>`;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file, 'utf-8');
  });
}

function ImportReport({ report, onImportValid, busy }) {
  if (!report) return null;
  const wrong = report.errors_total;
  return html`<div class="audience-report">
    ${report.imported ? html`<div class="alert alert-success" role="status">${t('audiences.import.done', {
      added: report.added, updated: report.updated, removed: report.removed, unchanged: report.unchanged })}
      ${report.invalid_rows ? ` ${t('audiences.import.skipped', { count: report.invalid_rows })}` : ''}
      ${report.opted_out_kept ? ` ${t('audiences.import.opted_out', { count: report.opted_out_kept })}` : ''}</div>`
      : html`<div class="alert alert-error" role="alert">${t('audiences.import.refused', { count: report.invalid_rows || wrong })}</div>`}
    ${wrong ? html`<div class="table-wrap"><table class="audience-errors">
      <caption>${t('audiences.import.errors', { count: wrong })}</caption>
      <thead><tr><th scope="col">${t('audiences.col.row')}</th><th scope="col">${t('audiences.col.column')}</th><th scope="col">${t('audiences.col.problem')}</th></tr></thead>
      <tbody>${report.errors.map((e) => html`<tr><td>${e.row}</td><td>${e.column ? t(`audiences.col.${e.column}`) : '–'}</td><td>${e.message}</td></tr>`)}</tbody>
    </table></div>` : null}
    ${report.merges.length ? html`<details><summary>${t('audiences.import.merges', { count: report.merges_total })}</summary>
      <ul>${report.merges.map((m) => html`<li>${m.message}</li>`)}</ul></details>` : null}
    ${!report.imported && report.valid_rows > 0 && wrong && report.errors.every((e) => e.row > 1) ? html`
      <button type="button" disabled=${busy} onClick=${onImportValid}>${t('audiences.import.valid', { count: report.valid_rows })}</button>` : null}
  </div>`;
}

function ContactLists({ lists, reload, canManage }) {
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState('');
  const [mode, setMode] = useState('replace');
  const [text, setText] = useState(null);
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const target = chosen || lists[0]?.id || '';

  async function create(e) {
    e.preventDefault();
    if (!name.trim()) return;
    setError(null);
    try {
      const created = await api.post(LISTS, { name: name.trim() });
      setName('');
      setChosen(created.id);
      reload();
    } catch (caught) { setError(caught); }
  }
  async function send(importValid) {
    if (!text || !target) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await api.post(`${LISTS}/${target}/imports`, { csv: text, mode, import_valid_rows: importValid }));
      reload();
    } catch (caught) { setError(caught); } finally { setBusy(false); setConfirming(false); }
  }
  return html`<section class="card" aria-labelledby="contact-lists-title">
    <h2 id="contact-lists-title">${t('audiences.lists.title')}</h2>
    <div class="table-wrap"><table>
      <caption class="admin-sr-only">${t('audiences.lists.title')}</caption>
      <thead><tr><th scope="col">${t('audiences.col.list')}</th><th scope="col">${t('audiences.col.contacts')}</th>
        <th scope="col">${t('audiences.col.opted_out')}</th><th scope="col">${t('audiences.col.last_import')}</th></tr></thead>
      <tbody>${lists.map((l) => html`<tr><th scope="row">${l.name}</th><td>${formatNumber(l.contacts)}</td><td>${formatNumber(l.opted_out)}</td>
        <td>${l.last_import ? formatDateTime(l.last_import.at) : '–'}</td></tr>`)}</tbody>
    </table></div>
    ${lists.length ? null : html`<p class="muted">${t('audiences.lists.empty')}</p>`}
    <${ProblemAlert} error=${error} />
    ${canManage ? html`
      <form class="inline" onSubmit=${create} aria-label=${t('audiences.lists.new')}>
        <${Field} label=${t('audiences.lists.new')}>${({ id }) => html`<input id=${id} name="list-name" maxlength="120" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />`}</${Field}>
        <button type="submit" class="button-quiet">${t('audiences.lists.create')}</button>
      </form>
      ${lists.length ? html`<form class="audience-import" onSubmit=${(e) => { e.preventDefault(); send(false); }} aria-labelledby="audience-import-title">
        <h3 id="audience-import-title">${t('audiences.import.title')}</h3>
        <p class="hint">${t('audiences.import.hint')}</p>
        <div class="inline">
          <${Field} label=${t('audiences.import.list')}>${({ id }) => html`<select id=${id} name="import-list" value=${target} onChange=${(e) => setChosen(e.currentTarget.value)}>
            ${lists.map((l) => html`<option value=${l.id}>${l.name}</option>`)}</select>`}</${Field}>
          <${Field} label=${t('audiences.import.file')}>${({ id }) => html`<input id=${id} type="file" name="csv" accept=".csv,text/csv"
            onChange=${async (e) => { const file = e.currentTarget.files[0]; setReport(null); setText(file ? await readFile(file) : null); }} />`}</${Field}>
        </div>
        <fieldset class="audience-choices"><legend>${t('audiences.import.mode')}</legend>
          ${['replace', 'update'].map((m) => html`<label class="audience-check"><input type="radio" name="mode" value=${m} checked=${mode === m}
            onChange=${() => setMode(m)} /> ${t(`audiences.import.mode.${m}`)}</label>`)}</fieldset>
        <button type="submit" disabled=${busy || !text}>${t('audiences.import.check')}</button>
        ${busy ? html`<${Spinner} />` : null}
        <${ImportReport} report=${report} busy=${busy} onImportValid=${() => setConfirming(true)} />
      </form>` : null}
      <${Confirm} open=${confirming} title=${t('audiences.import.confirm.title')} confirmLabel=${t('audiences.import.valid', { count: report?.valid_rows || 0 })}
        busy=${busy} onConfirm=${() => send(true)} onCancel=${() => setConfirming(false)}>
        <p>${t('audiences.import.confirm', { count: report?.invalid_rows || 0 })}</p>
      </${Confirm}>` : null}
  </section>`;
}

export function AudiencesScreen() {
  const { can } = useSession();
  const canBuild = can('audience.manage');
  const [editing, setEditing] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [notice, setNotice] = useState(null);
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  const audiences = useLoad(() => api.get(AUDIENCES), []);
  const lists = useLoad(() => api.get(LISTS), []);
  const info = useLoad(() => mapInfo(), [language()]);
  const categories = useLoad(() => api.get('/v1/public/categories'), [language()]);
  const areas = useMemo(() => (info.data?.areas?.features || []).map((f) => ({ id: f.properties.id, name: f.properties.name })), [info.data]);
  const areaNames = Object.fromEntries(areas.map((a) => [a.id, a.name]));
  const categoryList = (categories.data?.categories || []).map((c) => ({ id: c.id, name: c.name }));
  const listItems = lists.data?.items || [];
  const items = audiences.data?.items || [];

  async function show(audience) {
    setError(null);
    try { setPreview({ name: audience.name, preview: await api.get(`${AUDIENCES}/${audience.id}/preview`, { limit: 10 }) }); }
    catch (caught) { setError(caught); }
  }
  async function remove() {
    try {
      await api.delete(`${AUDIENCES}/${deleting.id}`, { version: deleting.version });
      setNotice(t('audiences.deleted', { name: deleting.name }));
    } catch (caught) { setError(caught); }
    setDeleting(null);
    audiences.reload();
  }
  const saved = (audience, created) => {
    setEditing(null);
    setNotice(t(created ? 'audiences.created' : 'audiences.saved', { name: audience.name }));
    audiences.reload();
  };
  return html`<${Page} title=${t('audiences.title')} wide
      actions=${canBuild && !editing ? html`<button type="button" onClick=${() => { setNotice(null); setEditing(blank()); }}>${t('audiences.new')}</button>` : null}>
    <p class="admin-intro">${t('audiences.intro')}</p>
    ${notice ? html`<div class="alert alert-success" role="status">${notice}</div>` : null}
    <${ProblemAlert} error=${error || audiences.error} />
    ${editing ? html`<${AudienceForm} key=${editing.id || 'new'} initial=${editing} lists=${listItems} areas=${areas}
      categories=${categoryList} onSaved=${saved} onCancel=${() => setEditing(null)} />` : null}
    <section class="card" aria-labelledby="audience-list-title">
      <h2 id="audience-list-title">${t('audiences.list')}</h2>
      ${audiences.loading && !audiences.data ? html`<${Spinner} />` : null}
      ${audiences.data && !items.length ? html`<p class="muted">${t('audiences.empty')}</p>` : null}
      ${items.length ? html`<div class="table-wrap"><table>
        <caption class="admin-sr-only">${t('audiences.list')}</caption>
        <thead><tr><th scope="col">${t('audiences.col.name')}</th><th scope="col">${t('audiences.field.kind')}</th>
          <th scope="col">${t('audiences.col.updated')}</th><th scope="col">${t('admin.actions')}</th></tr></thead>
        <tbody>${items.map((a) => html`<tr><th scope="row">${a.name}</th><td>${t(`audiences.kind.${a.rule.kind}`)}</td>
          <td>${formatDateTime(a.updated_at)}</td><td class="audience-actions">
            <button type="button" class="button-quiet" aria-label=${t('audiences.preview.label', { name: a.name })} onClick=${() => show(a)}>${t('audiences.preview')}</button>
            ${canBuild ? html`<button type="button" class="button-quiet" aria-label=${t('audiences.edit.label', { name: a.name })}
              onClick=${() => { setNotice(null); setEditing({ ...a, rule: { ...blank().rule, ...a.rule, opened_from: a.rule.opened_from || '', opened_to: a.rule.opened_to || '', source: a.rule.source || 'contact_list' } }); }}>${t('audiences.edit')}</button>
              <button type="button" class="button-quiet" aria-label=${t('audiences.delete.label', { name: a.name })} onClick=${() => setDeleting(a)}>${t('audiences.delete')}</button>` : null}
          </td></tr>`)}</tbody></table></div>` : null}
    </section>
    ${preview ? html`<div><h2 class="admin-sr-only">${preview.name}</h2><${PreviewPanel} preview=${preview.preview} areaNames=${areaNames} /></div>` : null}
    <${ContactLists} lists=${listItems} reload=${lists.reload} canManage=${can('audience.manage_lists')} />
    <${Confirm} open=${Boolean(deleting)} title=${t('audiences.delete.title', { name: deleting?.name || '' })} danger
      confirmLabel=${t('audiences.delete')} onConfirm=${remove} onCancel=${() => setDeleting(null)}>
      <p>${t('audiences.delete.text')}</p>
    </${Confirm}>
  </${Page}>`;
}
