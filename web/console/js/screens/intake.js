// Intake during a call (`#/intake`): the one screen an operator fills while the citizen talks.
// How the contact came in and when, who calls (found by phone or e-mail with their earlier
// cases), the category found by typing in any language or script, the description, the place
// (address, map, coordinates), possible duplicates, and where the case will be routed, all before
// it is saved with POST /v1/admin/cases (docs/api.md, "Registering a contact"). The number and the
// tracking code are then shown large to read out, and the next call starts with a clean form.
import { html, useState, useEffect, useMemo, useRef, useCallback } from '../lib.js';
import { api } from '../api.js';
import { t, register, language, LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { Page, Field, Alert, Spinner, useLoad, useSession } from '../ui.js';
import messages from '../messages/intake.js';
import { searchable, findCategories } from '../intake/categories.js';
import { Combobox } from '../intake/combobox.js';
import { Place, pointOf, formatCoordinate } from '../intake/place.js';
import { RequesterPanel, Duplicates, RoutingPreview, CaseDialog } from '../intake/panels.js';
import { Done, noteText } from '../intake/done.js';
import { fieldErrors, apiMessage } from '../intake/errors.js';
import { useLookup, validPhone, validEmail, localInput, newKey } from '../intake/lookup.js';

register(messages);

const CHANNELS = ['phone', 'letter', 'in_person', 'sms'];
const TYPES = ['signal', 'complaint', 'request', 'suggestion', 'information', 'letter', 'foi_request'];
//: The API's field names -> the form's controls, in the order the form shows them.
const CONTROLS = [['channel', 'channel'], ['received_at', 'received'], ['requester.phone', 'phone'],
  ['requester.email', 'email'], ['requester.name', 'name'], ['requester.address', 'postal'],
  ['language', 'language'], ['category', 'category'], ['type', 'type'], ['description', 'description'],
  ['location.address', 'address'], ['location', 'lat'], ['location.lat', 'lat'], ['location.lon', 'lon']];
//: How far around the point duplicates are looked for, in metres.
const NEARBY_RADIUS_M = 300;

function blank() {
  return { channel: 'phone', received: '', receivedEdited: false, phone: '', email: '', name: '',
    postal: '', language: '', category: null, type: 'signal', description: '', address: '', lat: '', lon: '' };
}

/** What the form asks of the API, without what was left empty. */
function payload(form) {
  const point = pointOf(form.lat, form.lon);
  const location = { ...(point || {}), ...(form.address.trim() ? { address: form.address.trim() } : {}) };
  const requester = Object.fromEntries([['name', form.name], ['phone', form.phone], ['email', form.email],
    ['address', form.channel === 'letter' ? form.postal : '']].map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
  return {
    type: form.type, channel: form.channel, category: form.category?.id, description: form.description.trim(),
    ...(Object.keys(location).length ? { location } : {}),
    ...(Object.keys(requester).length ? { requester } : {}),
    ...(form.receivedEdited && form.received ? { received_at: new Date(form.received).toISOString() } : {}),
    ...(form.language ? { language: form.language } : {}),
  };
}

/** What the console can tell before asking the API, by the API's field names. */
function problems(form) {
  const found = {};
  if (!form.category) found.category = t('intake.error.category');
  if (form.description.trim().length < 3) found.description = t('intake.error.description');
  const typed = [form.lat, form.lon].filter((v) => v.trim()).length;
  if (typed && !pointOf(form.lat, form.lon)) found['location.lat'] = t('intake.error.point');
  if (form.email.trim() && !validEmail(form.email)) found['requester.email'] = t('intake.error.email');
  if (form.receivedEdited) {
    const at = new Date(form.received);
    if (!form.received || Number.isNaN(at.getTime())) found.received_at = t('intake.error.received');
    else if (at.getTime() > Date.now() + 5 * 60 * 1000) found.received_at = t('intake.error.received_future');
  }
  return found;
}

function IntakeForm({ categories, onDone }) {
  const { can } = useSession();
  const formRef = useRef(null);
  const [form, setForm] = useState(blank);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [saving, setSaving] = useState(false);
  const [linkTo, setLinkTo] = useState(null);
  const [viewing, setViewing] = useState(null);
  const [now, setNow] = useState(() => new Date());
  const attempt = useRef({ body: null, key: null });
  const busy = useRef(false);
  const index = useMemo(() => searchable(categories), [categories]);
  // A changed control is no longer marked by the error it had.
  const change = useCallback((fields) => {
    setForm((f) => ({ ...f, ...fields }));
    const touched = new Set(Object.keys(fields));
    setErrors((previous) => Object.fromEntries(Object.entries(previous)
      .filter(([field]) => !CONTROLS.some(([api, control]) => api === field && touched.has(control)))));
  }, []);

  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 20000);
    return () => clearInterval(timer);
  }, []);

  const point = pointOf(form.lat, form.lon);
  const category = form.category;
  const requesterQuery = validPhone(form.phone) ? { phone: form.phone.trim() }
    : validEmail(form.email) ? { email: form.email.trim() } : null;
  const requester = useLookup(requesterQuery && JSON.stringify(requesterQuery),
    () => api.get('/v1/admin/requesters', requesterQuery), 400);
  const routeQuery = category ? { category: category.id, type: form.type, channel: form.channel,
    ...(point ? { location: point } : {}) } : null;
  const preview = useLookup(routeQuery && JSON.stringify(routeQuery),
    () => api.post('/v1/admin/routing-preview', routeQuery), 250, { keep: true });
  const nearbyQuery = category && point ? { lat: formatCoordinate(point.lat), lon: formatCoordinate(point.lon),
    category: category.id, radius_m: NEARBY_RADIUS_M } : null;
  const nearby = useLookup(nearbyQuery && JSON.stringify(nearbyQuery),
    () => api.get('/v1/admin/cases/nearby', nearbyQuery), 300);
  const requesterOpen = (requester?.data?.items || []).filter((item) => item.state === 'open'
    && (!category || item.category === category.id));
  const placeError = errors.location || fieldErrors(preview?.error).location || null;

  const search = useCallback((query) => findCategories(index, query, language()).map(({ category: c, group, matchedText }) => ({
    id: c.id, label: c.name, category: c, extra: matchedText,
    detail: [group?.name, c.department_name].filter(Boolean).join(' · '),
  })), [index]);

  function chooseCategory(option) {
    const chosen = option?.category || null;
    setForm((f) => ({ ...f, category: chosen,
      type: chosen && !chosen.types.includes(f.type) ? chosen.types[0] : f.type }));
    if (chosen) setErrors(({ category: _, ...rest }) => rest);
  }

  // The requester's details into the fields still empty (what the operator typed stays).
  function fillRequester(found) {
    change(Object.fromEntries(['name', 'phone', 'email'].filter((k) => found[k] && !form[k].trim())
      .map((k) => [k, found[k]])));
  }

  function focusFirst(found) {
    const first = CONTROLS.find(([field]) => found[field]);
    const element = first && formRef.current?.elements[first[1]];
    (element instanceof RadioNodeList ? element[0] : element)?.focus();
  }

  async function save(event) {
    event?.preventDefault();
    if (busy.current) return;
    const found = problems(form);
    setFailure(null);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirst(found);
      return;
    }
    const body = payload(form);
    const text = JSON.stringify(body);
    // The same request keeps its key: a second click, or a retry after a lost answer, gets the
    // case the first one made; a changed form is a new request.
    if (attempt.current.body !== text) attempt.current = { body: text, key: newKey() };
    busy.current = true;
    setSaving(true);
    try {
      const answer = await api.post('/v1/admin/cases', body, { headers: { 'Idempotency-Key': attempt.current.key } });
      let linked = null;
      if (linkTo) {
        try {
          await api.post(`/v1/admin/cases/${encodeURIComponent(answer.number)}/links`, { case: linkTo });
          linked = { number: linkTo };
        } catch (error) {
          linked = { number: linkTo, error };
        }
      }
      const named = preview?.data?.department?.id === answer.department ? preview.data.department.name
        : categories.categories.find((c) => c.department === answer.department)?.department_name;
      onDone({ kind: 'created', answer, linked, requester: body.requester || null, departmentName: named });
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      const fields = Object.keys(byField);
      if (!fields.length || fields.some((field) => !CONTROLS.some(([known]) => known === field))) setFailure(error);
      focusFirst(byField);
    } finally {
      busy.current = false;
      setSaving(false);
    }
  }

  useEffect(() => {
    function shortcut(event) {
      if (!event.altKey || event.ctrlKey || event.metaKey || viewing) return;
      if (event.code === 'KeyS') {
        event.preventDefault();
        save();
      }
    }
    document.addEventListener('keydown', shortcut);
    return () => document.removeEventListener('keydown', shortcut);
  });

  const text = (name, extra = {}) => ({ name, value: form[name], onInput: (e) => change({ [name]: e.currentTarget.value }), ...extra });
  const describe = (describedBy, invalid) => ({ 'aria-describedby': describedBy, 'aria-invalid': invalid });
  const types = category ? TYPES.filter((type) => category.types.includes(type)) : TYPES;
  const received = form.receivedEdited ? form.received : localInput(now);
  const count = Object.keys(errors).length;

  return html`<form ref=${formRef} class="intake" onSubmit=${save} novalidate aria-describedby="intake-keys">
    <p class="hint intake-keys" id="intake-keys">${t('intake.keys')}</p>
    <div class="intake-row">
      <div class="card">
        <h2>${t('intake.contact')}</h2>
        <fieldset class="intake-channels">
          <legend>${t('intake.channel')}</legend>
          ${CHANNELS.map((channel) => html`<label class="intake-choice">
            <input type="radio" name="channel" value=${channel} checked=${form.channel === channel}
              onChange=${() => change({ channel })} /> ${t(`intake.channel.${channel}`)}</label>`)}
        </fieldset>
        <${Field} label=${t('intake.received')} hint=${t('intake.received.hint')} error=${errors.received_at}>${({ id, describedBy, invalid }) => html`
          <input id=${id} name="received" type="datetime-local" value=${received} max=${localInput(now)} ...${describe(describedBy, invalid)}
            onInput=${(e) => change({ received: e.currentTarget.value, receivedEdited: true })} />`}</${Field}>
        ${form.receivedEdited ? html`<button type="button" class="button-quiet button-small" onClick=${() => change({ received: '', receivedEdited: false })}>${t('intake.received.now')}</button>` : null}
      </div>
      <div class="card">
        <h2>${t('intake.requester')}</h2>
        <div class="inline">
          <${Field} label=${t('intake.phone')} error=${errors['requester.phone']}>${({ id, describedBy, invalid }) => html`
            <input id=${id} type="tel" autocomplete="off" ...${text('phone')} ...${describe(describedBy, invalid)} />`}</${Field}>
          <${Field} label=${t('intake.email')} error=${errors['requester.email']}>${({ id, describedBy, invalid }) => html`
            <input id=${id} type="email" autocomplete="off" ...${text('email')} ...${describe(describedBy, invalid)} />`}</${Field}>
        </div>
        <div class="inline">
          <${Field} label=${t('intake.name')} error=${errors['requester.name']}>${({ id, describedBy, invalid }) => html`
            <input id=${id} autocomplete="off" ...${text('name')} ...${describe(describedBy, invalid)} />`}</${Field}>
          <${Field} label=${t('intake.language')} hint=${t('intake.language.hint')}>${({ id, describedBy }) => html`
            <select id=${id} name="language" value=${form.language} aria-describedby=${describedBy} onChange=${(e) => change({ language: e.currentTarget.value })}>
              <option value="">${t('intake.language.default')}</option>
              ${LANGUAGES.map((lang) => html`<option value=${lang} lang=${lang}>${LANGUAGE_NAMES[lang]}</option>`)}
            </select>`}</${Field}>
        </div>
        ${form.channel === 'letter' ? html`<${Field} label=${t('intake.postal')} error=${errors['requester.address']}>${({ id, describedBy, invalid }) => html`
          <textarea id=${id} rows="2" ...${text('postal')} ...${describe(describedBy, invalid)}></textarea>`}</${Field}>` : null}
        <${RequesterPanel} lookup=${requester} onUse=${fillRequester} onView=${setViewing} />
      </div>
    </div>
    <div class="intake-row">
      <div class="card">
        <h2>${t('intake.problem')}</h2>
        <${Field} label=${t('intake.category')} hint=${t('intake.category.hint')} error=${errors.category} required>${({ id, describedBy, invalid }) => html`
          <${Combobox} id=${id} describedBy=${describedBy} invalid=${invalid} required search=${search}
            selected=${category ? { id: category.id, label: category.name } : null} onSelect=${chooseCategory}
            listLabel=${t('intake.category.list')} countText=${(n) => t('intake.category.count', { count: n })}
            name="category" />`}</${Field}>
        ${category ? html`<p class="muted intake-category-note">${category.department_name}</p>` : null}
        <${Field} label=${t('intake.type')} error=${errors.type}>${({ id, describedBy, invalid }) => html`
          <select id=${id} name="type" value=${form.type} ...${describe(describedBy, invalid)} onChange=${(e) => change({ type: e.currentTarget.value })}>
            ${types.map((type) => html`<option value=${type}>${t(`intake.type.${type}`)}</option>`)}
          </select>`}</${Field}>
        <${Field} label=${t('intake.description')} hint=${t('intake.description.hint')} error=${errors.description} required>${({ id, describedBy, invalid }) => html`
          <textarea id=${id} rows="5" maxlength="10000" required ...${text('description')} ...${describe(describedBy, invalid)}></textarea>`}</${Field}>
      </div>
      <div class="card">
        <${Place} value=${form} onChange=${change} error=${placeError} fieldErrors=${errors} />
        <${Duplicates} nearby=${nearby} requesterCases=${requesterOpen} linkTo=${linkTo}
          onView=${setViewing} ready=${Boolean(category && point) || requesterOpen.length > 0} />
        ${linkTo ? html`<button type="button" class="button-quiet button-small" onClick=${() => setLinkTo(null)}>${t('intake.link.cancel')}</button>` : null}
      </div>
    </div>
    <div class="intake-save">
      <${RoutingPreview} preview=${preview} hasCategory=${Boolean(category)} />
      <div class="intake-submit">
        ${count ? html`<${Alert} kind="error">${t('intake.error.count', { count })}</${Alert}>` : null}
        ${failure ? html`<${Alert} kind="error">${apiMessage(failure)}</${Alert}>` : null}
        <button type="submit" class="intake-save-button" disabled=${saving} aria-keyshortcuts="Alt+S">
          ${saving ? t('intake.saving') : t('intake.save')}</button>
      </div>
    </div>
    ${viewing ? html`<${CaseDialog} number=${viewing} onClose=${() => setViewing(null)}
      canLink=${can('case.link')} noteText=${noteText(form)}
      onLink=${(number) => { setLinkTo(number); setViewing(null); }}
      onNoted=${(number) => { setViewing(null); onDone({ kind: 'noted', number }); }} />` : null}
  </form>`;
}

export function IntakeScreen() {
  const categories = useLoad(() => api.get('/v1/admin/categories'), [language()]);
  const [done, setDone] = useState(null);
  const [call, setCall] = useState(1);
  const next = useCallback(() => {
    setDone(null);
    setCall((n) => n + 1);
  }, []);
  // The next call starts on the form's first field.
  useEffect(() => {
    if (call > 1 && !done) document.querySelector('.intake input[name="channel"]:checked')?.focus();
  }, [call, done]);

  let content;
  if (categories.error && !categories.data) {
    content = html`<${Alert} kind="error">${apiMessage(categories.error)}</${Alert}>
      <button type="button" onClick=${categories.reload}>${t('common.retry')}</button>`;
  }
  else if (!categories.data) content = html`<${Spinner} />`;
  else if (done) content = html`<${Done} result=${done} onNext=${next} />`;
  else content = html`<${IntakeForm} key=${call} categories=${categories.data} onDone=${setDone} />`;
  return html`<${Page} title=${t('intake.title')} wide>
    <p class="visually-hidden" aria-live="assertive" aria-atomic="true">${!done ? ''
      : done.kind === 'created' ? t('intake.done.announce', { number: done.answer.number })
        : t('intake.done.noted_announce', { number: done.number })}</p>
    ${content}
  </${Page}>`;
}
