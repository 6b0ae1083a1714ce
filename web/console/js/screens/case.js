// One case (`#/cases/:number`): its facts, where it is on a map, its whole timeline with the
// attachments, and every action the staff member's role allows on it. Every change sends the
// version the screen holds; afterwards the case is read again and the result announced. A 409
// (someone else changed the case) keeps the form as typed, lists what changed, and lets the
// staff member send it again on the new version.
import { html, useState, useRef, useMemo, useCallback } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime, formatNumber, LANGUAGE_NAMES } from '../i18n.js';
import { href } from '../router.js';
import { Page, Spinner, StatusBadge, useLoad, useSession } from '../ui.js';
import { MapBox } from '../map.js';
import messages from '../messages/case.js';
import { Dialog, Warnings, caseChanges } from '../case/dialog.js';
import { Timeline } from '../case/timeline.js';
import { staffNames, personName } from '../case/people.js';
import { CaseError, caseErrorText, AssignForm, StatusForm, NoteForm, ReplyForm, ReferForm, MergeForm, LinkForm,
  EscalateForm, RerouteForm, DeleteForm } from '../case/forms.js';
import { DueBadge, DueFacts } from '../due/badge.js';
import { SourcePageFact } from '../case/source-page.js';
import { ExtendDeadlineForm, offersExtension } from '../due/extend.js';
import { PhotoPublication } from '../photos/publish.js';

register(messages);

const STATUSES = ['new', 'in_progress', 'waiting_for_citizen', 'referred', 'resolved', 'closed', 'cancelled'];
const OPEN = new Set(['new', 'in_progress', 'waiting_for_citizen', 'referred']);

function osmUrl({ lat, lon }) {
  const la = Number(lat).toFixed(6);
  const lo = Number(lon).toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${la}&mlon=${lo}#map=18/${la}/${lo}`;
}

function Location({ location, number }) {
  if (!location) return html`<dd>${t('case.none')}</dd>`;
  const point = location.lat !== undefined && location.lon !== undefined;
  return html`<dd>
    ${location.address ? html`<div>${location.address}</div>` : null}
    ${point ? html`<div>
      <span class="muted">${formatNumber(location.lat)}, ${formatNumber(location.lon)}</span>
      · <a href=${osmUrl(location)} target="_blank" rel="noopener noreferrer">${t('case.osm')}</a>
    </div>` : null}
    ${point ? html`<${MapBox} className="map map-small case-map" label=${t('case.map', { number })}
      onReady=${(map, L) => {
        L.marker([location.lat, location.lon], { keyboard: false, title: location.address || number }).addTo(map);
        map.setView([location.lat, location.lon], 16);
      }} />` : null}
  </dd>`;
}

function Facts({ caseFile, names }) {
  const c = caseFile;
  const requester = c.requester || {};
  return html`<section class="card" aria-labelledby="case-facts-title">
    <h2 id="case-facts-title">${t('case.facts')}</h2>
    <dl class="facts case-facts">
      <dt>${t('case.field.number')}</dt><dd>${c.number}</dd>
      ${c.registry_number ? html`<dt>${t('case.field.registry_number')}</dt><dd class="registry-number">${c.registry_number}</dd>` : null}
      <dt>${t('case.field.status')}</dt><dd><${StatusBadge} status=${c.status} name=${c.status_name} />
        ${c.escalation_level ? html` <span class="badge badge-warning">${t('case.escalated_level', { level: c.escalation_level })}</span>` : null}
        ${c.deleted ? html` <span class="badge badge-danger">${t('case.deleted')}</span>` : null}</dd>
      <${DueFacts} due=${c.due} />
      <dt>${t('case.field.type')}</dt><dd>${c.type_name || c.type}</dd>
      <dt>${t('case.field.channel')}</dt><dd>${c.channel_name || c.channel}</dd>
      <${SourcePageFact} page=${c.source_page} />
      <dt>${t('case.field.category')}</dt><dd>${c.category_name || c.category}</dd>
      <dt>${t('case.field.department')}</dt><dd>${c.department_name || c.department}</dd>
      <dt>${t('case.field.assignee')}</dt><dd>${personName(c.assignee, names)}</dd>
      <dt>${t('case.field.received')}</dt><dd><time datetime=${c.received_at || c.created_at}>${formatDateTime(c.received_at || c.created_at)}</time>
        ${c.received_at && c.received_at !== c.created_at ? html`<div class="muted">${t('case.registered', { at: formatDateTime(c.created_at) })}</div>` : null}</dd>
      <dt>${t('case.field.requester')}</dt><dd>
        ${requester.name ? html`<div>${requester.name}</div>` : null}
        ${requester.email ? html`<div><a href=${`mailto:${requester.email}`}>${requester.email}</a></div>` : null}
        ${requester.phone ? html`<div><a href=${`tel:${requester.phone}`}>${requester.phone}</a></div>` : null}
        ${requester.address ? html`<div class="pre">${requester.address}</div>` : null}
        ${!requester.name && !requester.email && !requester.phone && !requester.address ? t('case.anonymous') : null}
      </dd>
      ${c.participants?.length ? html`<dt>${t('case.field.participants')}</dt><dd>${c.participants.join(', ')}</dd>` : null}
      <dt>${t('case.field.location')}</dt><${Location} location=${c.location} number=${c.number} />
      <dt>${t('case.field.language')}</dt><dd>${LANGUAGE_NAMES[c.language] || c.language}</dd>
      <dt>${t('case.field.public')}</dt><dd>${c.public ? t('case.public.yes') : t('case.public.no')}</dd>
      <dt>${t('case.field.linked_cases')}</dt><dd>${c.linked_cases?.length
        ? c.linked_cases.map((n, i) => html`${i ? ', ' : ''}<a href=${href(`/cases/${n}`)}>${n}</a>`) : t('case.none')}</dd>
      ${c.merged_into ? html`<dt>${t('case.field.merged_into')}</dt><dd><a href=${href(`/cases/${c.merged_into}`)}>${c.merged_into}</a></dd>` : null}
      <dt>${t('case.field.followers')}</dt><dd>${t('case.followers', { count: c.followers || 0 })}</dd>
      <dt>${t('case.field.escalation_level')}</dt><dd>${formatNumber(c.escalation_level || 0)}</dd>
      ${c.routing ? html`<dt>${t('case.field.routing')}</dt><dd>${['category', 'area', 'override'].includes(c.routing.rule) ? t(`case.routing.${c.routing.rule}`) : c.routing.rule}${c.routing.reason ? ` · ${c.routing.reason}` : ''}</dd>` : null}
      ${c.deleted_at ? html`<dt>${t('case.field.deleted_at')}</dt><dd>${formatDateTime(c.deleted_at)}</dd>` : null}
    </dl>
  </section>`;
}

/** Which actions this staff member may take on this case now (the server decides again). */
function offered(caseFile, can, me) {
  const c = caseFile;
  if (c.deleted) return [];
  const open = OPEN.has(c.status) && !c.merged_into;
  const list = [];
  if (can('case.assign') && c.assignee !== me.username && open) list.push('take');
  if (can('case.assign') && open) list.push('assign');
  if (can('case.change_status') && c.allowed_transitions?.length) list.push('status');
  if (can('case.reply') && !c.merged_into) list.push('reply');
  if (can('case.note')) list.push('note');
  if (can('case.refer') && open) list.push('refer');
  if (can('case.escalate') && open) list.push('escalate');
  if (offersExtension(c, can)) list.push('extend_deadline');
  if (can('case.route') && !c.merged_into) list.push('reroute');
  if (can('case.link')) list.push('link');
  if (can('case.merge') && !c.merged_into) list.push('merge');
  if (can('case.delete')) list.push('delete');
  return list;
}

const FORMS = { assign: AssignForm, status: StatusForm, note: NoteForm, reply: ReplyForm, refer: ReferForm,
  merge: MergeForm, link: LinkForm, escalate: EscalateForm, reroute: RerouteForm, delete: DeleteForm,
  extend_deadline: ExtendDeadlineForm };

function Actions({ caseFile, names, organisation, perform, take, busy }) {
  const { me, can } = useSession();
  const [open, setOpen] = useState(null);
  const openers = useRef({});
  const opener = (name) => {
    openers.current[name] ||= { current: null };
    return openers.current[name];
  };
  const actions = offered(caseFile, can, me);
  const Form = open ? FORMS[open] : null;
  const close = useCallback(() => setOpen(null), []);
  return html`<section class="card case-actions" aria-labelledby="case-actions-title">
    <h2 id="case-actions-title" tabindex="-1">${t('case.actions')}</h2>
    ${actions.length === 0 ? html`<p class="muted">${caseFile.deleted ? t('case.actions.deleted') : t('case.actions.none')}</p>` : null}
    <div class="action-buttons">
      ${actions.map((name) => (name === 'take'
        ? html`<button key=${name} type="button" data-action="take" disabled=${busy} ref=${(el) => { opener(name).current = el; }} onClick=${take}>${t('case.action.take')}</button>`
        : html`<button key=${name} type="button" data-action=${name} class=${name === 'delete' ? 'button-danger' : 'button-quiet'}
            aria-haspopup="dialog" ref=${(el) => { opener(name).current = el; }} onClick=${() => setOpen(name)}>${t(`case.action.${name}`)}</button>`))}
    </div>
    <${Dialog} title=${open ? t(`case.dialog.${open}`, { number: caseFile.number }) : ''} open=${Boolean(open)} onClose=${close}
      opener=${open ? opener(open) : null} className=${open ? `dialog-${open}` : ''}>
      ${Form ? html`<${Form} caseFile=${caseFile} names=${names} organisation=${organisation} perform=${perform} close=${close} />` : null}
    </${Dialog}>
  </section>`;
}

function AttachmentViewer({ shown, onClose, opener }) {
  return html`<${Dialog} title=${shown ? shown.filename : ''} open=${Boolean(shown)} onClose=${onClose} opener=${opener} className="dialog-image">
    ${shown ? html`<figure class="attachment-figure">
      <img src=${shown.url} alt=${t('case.attachment.alt', { name: shown.filename })} />
      <figcaption class="muted">${shown.content_type}</figcaption>
    </figure>
    <p><a href=${shown.url} target="_blank" rel="noopener noreferrer">${t('case.attachment.open_new')}</a></p>` : null}
  </${Dialog}>`;
}

export function CaseScreen({ params }) {
  const { number } = params;
  const { can } = useSession();
  const loaded = useLoad(() => api.get(`/v1/admin/cases/${encodeURIComponent(number)}`), [number]);
  const staff = useLoad(() => (can('staff.list') ? api.get('/v1/admin/staff') : Promise.resolve({ items: [] })), []);
  const organisation = useLoad(() => api.get('/v1/admin/organisation'), []);
  const [fresh, setFresh] = useState(null); // the case as read after a change or a 409
  const [notice, setNotice] = useState(null); // {text, warnings, kind}
  const [viewing, setViewing] = useState(null);
  const [busy, setBusy] = useState(false);
  const [attachmentError, setAttachmentError] = useState(null);
  const viewer = useRef({ current: null });
  const caseFile = fresh && fresh.number === loaded.data?.number && fresh.version >= (loaded.data?.version || 0) ? fresh : loaded.data;
  const names = useMemo(() => staffNames(staff.data), [staff.data]);
  const departments = useMemo(() => Object.fromEntries((organisation.data?.departments || []).map((d) => [d.id, d.name])), [organisation.data]);
  const statusNames = useMemo(() => Object.fromEntries(STATUSES.map((s) => [s, t(`case.status.${s}`)])), [t('case.change.new')]);

  const reread = () => api.get(`/v1/admin/cases/${encodeURIComponent(number)}`);

  /** Send one change with the version the screen holds; `{ok}` or `{conflict}`; other errors throw. */
  async function perform(label, send) {
    const before = caseFile;
    setNotice(null);
    try {
      const answer = await send(before.version);
      const after = await reread().catch(() => null);
      if (after) setFresh(after);
      else loaded.reload(); // saved; read again (and refused, should it have left the caller's scope)
      setNotice({ kind: 'success', text: label, warnings: answer?.warnings || [] });
      return { ok: true };
    } catch (error) {
      const current = error.body?.error?.current_version;
      if (error.status === 409 && current !== undefined) {
        const after = await reread();
        const changes = caseChanges(before, after, names);
        setFresh(after);
        if (changes.entries.length || changes.fields.length) return { conflict: changes };
      }
      throw error;
    }
  }

  async function take(event) {
    const button = event.currentTarget;
    setBusy(true);
    try {
      const outcome = await perform(t('case.done.taken'), (version) => api.post(`/v1/admin/cases/${number}/assignment`, { assignee: 'me', version }));
      if (outcome.conflict) {
        setNotice({ kind: 'warning', conflict: outcome.conflict });
      }
    } catch (error) {
      setNotice({ kind: 'error', error });
    } finally {
      setBusy(false);
      window.setTimeout(() => (button.isConnected ? button : document.getElementById('case-actions-title'))?.focus(), 0);
    }
  }

  async function openAttachment(file, button) {
    setAttachmentError(null);
    try {
      const link = await api.get(`/v1/admin/cases/${encodeURIComponent(number)}/attachments/${encodeURIComponent(file.id)}`);
      if (link.disposition === 'inline') {
        viewer.current.current = button;
        setViewing(link);
      } else {
        const anchor = document.createElement('a');
        anchor.href = link.url;
        // The link answers `Content-Disposition: attachment`: the browser saves the file (a new
        // tab, should a store ignore the header, keeps the console open).
        anchor.target = '_blank';
        anchor.rel = 'noopener noreferrer';
        document.body.append(anchor);
        anchor.click();
        anchor.remove();
        setNotice({ kind: 'success', text: t('case.attachment.downloading', { name: link.filename }) });
      }
    } catch (error) {
      setAttachmentError(error);
    }
  }

  const title = t('case.title', { number });
  if (loaded.loading && !caseFile) return html`<${Page} title=${title}><${Spinner} /></${Page}>`;
  if (!caseFile) {
    return html`<${Page} title=${title} actions=${html`<a class="button button-quiet" href=${href('/cases')}>${t('case.back')}</a>`}>
      <div class="alert alert-error case-refused" role="alert">
        <p><strong>${loaded.error?.status === 403 ? t('case.forbidden') : loaded.error?.status === 404 ? t('case.not_found') : t('case.unavailable')}</strong></p>
        <p>${caseErrorText(loaded.error)}</p>
      </div>
      <button type="button" onClick=${loaded.reload}>${t('common.retry')}</button>
    </${Page}>`;
  }
  const photoDone = async (text) => { setFresh(await reread().catch(() => null)); setNotice({ kind: 'success', text }); };
  const ctx = { names, statusNames, departments, onOpenAttachment: openAttachment,
    attachmentExtra: (file) => html`<${PhotoPublication} file=${file} caseFile=${caseFile} onDone=${photoDone} />` };
  return html`<${Page} title=${title} wide actions=${html`
      <a class="button button-quiet" href=${href('/cases')}>${t('case.back')}</a>
      <button type="button" class="button-quiet" onClick=${() => { setFresh(null); loaded.reload(); }}>${t('case.refresh')}</button>`}>
    <p class="case-subtitle">
      <${StatusBadge} status=${caseFile.status} name=${caseFile.status_name} />
      <${DueBadge} due=${caseFile.due} open=${OPEN.has(caseFile.status) && !caseFile.deleted && !caseFile.merged_into} />
      <span>${caseFile.category_name}</span>
      <span class="muted">· ${caseFile.department_name} · ${t('case.version', { version: caseFile.version })}</span>
    </p>
    <div class="case-announce" role="status" aria-live="polite">
      ${notice?.kind === 'success' ? html`<div class="alert alert-success"><p>${notice.text}</p></div>` : null}
      ${notice?.warnings?.length ? html`<${Warnings} warnings=${notice.warnings} />` : null}
      ${notice?.kind === 'warning' && notice.conflict ? html`<div class="alert alert-warning"><p>${t('case.conflict.take', { from: notice.conflict.from, to: notice.conflict.to })}</p></div>` : null}
    </div>
    ${notice?.kind === 'error' ? html`<${CaseError} error=${notice.error} />` : null}
    ${caseFile.deleted ? html`<div class="alert alert-error" role="note">${t('case.deleted_banner', { at: formatDateTime(caseFile.deleted_at) })}</div>` : null}
    ${caseFile.merged_into ? html`<div class="alert" role="note">${t('case.merged_banner')} <a href=${href(`/cases/${caseFile.merged_into}`)}>${caseFile.merged_into}</a></div>` : null}
    <div class="split case-split">
      <div class="case-main">
        <section class="card" aria-labelledby="case-description-title">
          <h2 id="case-description-title">${caseFile.subject || t('case.description')}</h2>
          <div class="body case-description">${caseFile.description}</div>
        </section>
        ${attachmentError ? html`<${CaseError} error=${attachmentError} />` : null}
        <${Timeline} caseFile=${caseFile} ctx=${ctx} />
      </div>
      <div class="case-side">
        <${Actions} caseFile=${caseFile} names=${names} organisation=${organisation.data} perform=${perform} take=${take} busy=${busy} />
        <${Facts} caseFile=${caseFile} names=${names} />
      </div>
    </div>
    <${AttachmentViewer} shown=${viewing} onClose=${() => setViewing(null)} opener=${viewer.current} />
  </${Page}>`;
}
