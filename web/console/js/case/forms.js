// The forms of the actions on a case, one per dialog. Each keeps what the staff member typed
// while it is open, also through a 409 (the case changed meanwhile): they see what changed and
// send the same again on the new version.
import { html, useState, useRef, useEffect } from '../lib.js';
import { api } from '../api.js';
import { t, LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { Field, useLoad, useSession } from '../ui.js';
import { ConflictNotice } from './dialog.js';
import { personName } from './people.js';

const NUMBER = /^\d{4}-\d{6,}$/;

/** The error of an answer in words, with each field the API named. */
export function caseErrorText(error) {
  if (!error) return '';
  const body = error.body?.error && typeof error.body.error === 'object' ? error.body.error : error.body || {};
  if (error.status === 0) return t('error.network');
  return body.message || (error.status === 403 ? t('error.forbidden') : error.status === 404 ? t('error.not_found') : t('error.server'));
}

export function CaseError({ error }) {
  if (!error) return null;
  const body = error.body?.error && typeof error.body.error === 'object' ? error.body.error : {};
  return html`<div class="alert alert-error" role="alert">
    <p>${caseErrorText(error)}</p>
    ${body.fields?.length ? html`<ul>${body.fields.map((f) => html`<li>${f.message}</li>`)}</ul>` : null}
  </div>`;
}

/** `submit(label, send)`: the change through the screen's `perform` (version, 409, reload). */
export function useCaseAction(perform, done) {
  const [state, setState] = useState({ busy: false, error: null, conflict: null });
  async function submit(label, send) {
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const outcome = await perform(label, send);
      if (outcome?.conflict) setState({ busy: false, error: null, conflict: outcome.conflict });
      else {
        setState({ busy: false, error: null, conflict: null });
        done();
      }
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error }));
    }
  }
  return { ...state, submit };
}

export function Shell({ action, onSubmit, submitLabel, danger = false, names, onCancel, children }) {
  return html`<form class="case-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(); }} novalidate>
    <${ConflictNotice} changes=${action.conflict} names=${names} />
    ${children}
    <${CaseError} error=${action.error} />
    <div class="form-actions">
      <button type="submit" class=${danger ? 'button-danger' : ''} disabled=${action.busy}>
        ${action.conflict ? t('case.conflict.apply', { label: submitLabel }) : submitLabel}
      </button>
      <button type="button" class="button-quiet" onClick=${onCancel}>${t('common.cancel')}</button>
    </div>
  </form>`;
}

export function TextArea({ label, hint, value, onInput, required = false, name, rows = 4, inputRef, maxLength = 5000 }) {
  return html`<${Field} label=${label} hint=${hint} required=${required}>${({ id, describedBy }) => html`
    <textarea id=${id} name=${name} rows=${rows} value=${value} required=${required} maxlength=${maxLength}
      aria-describedby=${describedBy} ref=${inputRef} onInput=${(e) => onInput(e.currentTarget.value)}></textarea>`}</${Field}>`;
}

// -- assignment -----------------------------------------------------------------------------

export function AssignForm({ caseFile, names, perform, close }) {
  const { me } = useSession();
  const colleagues = useLoad(() => api.get('/v1/admin/staff', { department: caseFile.department }), [caseFile.department]);
  const [assignee, setAssignee] = useState(caseFile.assignee || '');
  const action = useCaseAction(perform, close);
  const people = (colleagues.data?.items || []).slice().sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username));
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.assign.submit')} onCancel=${close}
    onSubmit=${() => action.submit(assignee ? t('case.done.assigned', { name: personName(assignee, names) }) : t('case.done.unassigned'),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/assignment`, { assignee: assignee || null, version }))}>
    <${Field} label=${t('case.assign.to')} hint=${t('case.assign.hint', { department: caseFile.department_name })}>${({ id, describedBy }) => html`
      <select id=${id} name="assignee" value=${assignee} aria-describedby=${describedBy} onChange=${(e) => setAssignee(e.currentTarget.value)}>
        <option value="">${t('case.assign.nobody')}</option>
        ${!people.some((p) => p.username === me.username) ? html`<option value=${me.username}>${t('case.assign.me', { name: me.name || me.username })}</option>` : null}
        ${people.map((p) => html`<option value=${p.username}>${p.username === me.username ? t('case.assign.me', { name: p.name || p.username }) : `${p.name || p.username} (${(p.role_names || []).join(', ')})`}</option>`)}
      </select>`}</${Field}>
    ${colleagues.loading ? html`<p class="muted" role="status">${t('common.loading')}</p>` : null}
    <${CaseError} error=${colleagues.error} />
  </${Shell}>`;
}

// -- status ---------------------------------------------------------------------------------

export function StatusForm({ caseFile, names, perform, close }) {
  const choices = caseFile.allowed_transitions || [];
  const [status, setStatus] = useState(choices[0]?.status || '');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState('');
  const action = useCaseAction(perform, close);
  const chosen = choices.find((c) => c.status === status);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.change.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.status', { status: chosen?.status_name || status }),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/status`, {
        status, reason, ...(message.trim() ? { message_to_citizen: message } : {}), version }))}>
    <p>${t('case.change.now', { status: caseFile.status_name })}</p>
    <${Field} label=${t('case.change.new')} required>${({ id }) => html`
      <select id=${id} name="status" value=${status} required onChange=${(e) => setStatus(e.currentTarget.value)}>
        ${choices.map((c) => html`<option value=${c.status}>${c.status_name}</option>`)}
      </select>`}</${Field}>
    <${TextArea} label=${t('case.change.reason')} hint=${t('case.internal_hint')} name="reason" value=${reason} onInput=${setReason} required rows="3" maxLength="1000" />
    <${TextArea} label=${t('case.change.message')} hint=${t('case.change.message_hint')} name="message_to_citizen" value=${message} onInput=${setMessage} />
  </${Shell}>`;
}

// -- note -----------------------------------------------------------------------------------

export function NoteForm({ caseFile, names, perform, close }) {
  const [text, setText] = useState('');
  const action = useCaseAction(perform, close);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.note.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.note'),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/notes`, { text, version }))}>
    <${TextArea} label=${t('case.note.text')} hint=${t('case.internal_hint')} name="text" value=${text} onInput=${setText} required rows="6" />
  </${Shell}>`;
}

// -- reply ----------------------------------------------------------------------------------

function CannedReplies({ caseFile, onInsert }) {
  const [lang, setLang] = useState(LANGUAGES.includes(caseFile.language) ? caseFile.language : LANGUAGES[0]);
  const [chosen, setChosen] = useState('');
  const replies = useLoad(() => api.get('/v1/admin/canned-replies', { lang }), [lang]);
  if (replies.error?.status === 404 && !replies.data) return null; // not offered by this API
  const items = (replies.data?.items || []).filter((r) => r.language === lang
    && (!r.categories?.length || r.categories.includes(caseFile.category)));
  const picked = items.find((r) => r.id === chosen);
  return html`<fieldset class="canned">
    <legend>${t('case.reply.canned')}</legend>
    <div class="inline">
      <${Field} label=${t('case.reply.canned_language')}>${({ id }) => html`
        <select id=${id} value=${lang} onChange=${(e) => { setLang(e.currentTarget.value); setChosen(''); }}>
          ${LANGUAGES.map((l) => html`<option value=${l} lang=${l}>${LANGUAGE_NAMES[l]}</option>`)}
        </select>`}</${Field}>
      <${Field} label=${t('case.reply.canned_text')}>${({ id }) => html`
        <select id=${id} name="canned" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
          <option value="">${items.length ? t('case.reply.canned_choose') : t('case.reply.canned_none')}</option>
          ${items.map((r) => html`<option value=${r.id}>${r.title}</option>`)}
        </select>`}</${Field}>
      <div class="field"><button type="button" class="button-quiet" disabled=${!picked} onClick=${() => picked && onInsert(picked.text)}>${t('case.reply.canned_insert')}</button></div>
    </div>
    <${CaseError} error=${replies.error} />
  </fieldset>`;
}

export function ReplyForm({ caseFile, names, perform, close }) {
  const requester = caseFile.requester || {};
  const [text, setText] = useState('');
  const [channel, setChannel] = useState('auto');
  const [status, setStatus] = useState('');
  const area = useRef(null);
  const action = useCaseAction(perform, close);
  function insert(snippet) {
    const element = area.current;
    const start = element ? element.selectionStart : text.length;
    const end = element ? element.selectionEnd : text.length;
    const next = `${text.slice(0, start)}${snippet}${text.slice(end)}`;
    setText(next);
    window.setTimeout(() => {
      element?.focus();
      element?.setSelectionRange(start + snippet.length, start + snippet.length);
    }, 0);
  }
  const channels = [['auto', t('case.reply.channel.auto')],
    ['email', requester.email ? t('case.reply.channel.email_to', { address: requester.email }) : t('case.reply.channel.email')],
    ['sms', requester.phone ? t('case.reply.channel.sms_to', { phone: requester.phone }) : t('case.reply.channel.sms')]];
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.reply.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.reply'), (version) => api.post(`/v1/admin/cases/${caseFile.number}/replies`,
      { text, channel, ...(status ? { status } : {}), version }))}>
    ${!requester.email && !requester.phone ? html`<p class="alert alert-warning">${t('case.reply.no_contact')}</p>` : null}
    <fieldset>
      <legend>${t('case.reply.channel')}</legend>
      ${channels.map(([value, label]) => html`<label class="choice">
        <input type="radio" name="channel" value=${value} checked=${channel === value}
          disabled=${(value === 'email' && !requester.email) || (value === 'sms' && !requester.phone)}
          onChange=${() => setChannel(value)} /> ${label}</label>`)}
    </fieldset>
    <${CannedReplies} caseFile=${caseFile} onInsert=${insert} />
    <${TextArea} label=${t('case.reply.text')} hint=${t('case.reply.text_hint')} name="text" value=${text} onInput=${setText} required rows="8" inputRef=${area} />
    <${Field} label=${t('case.reply.status')}>${({ id }) => html`
      <select id=${id} name="status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">${t('case.reply.status_keep', { status: caseFile.status_name })}</option>
        ${(caseFile.allowed_transitions || []).map((c) => html`<option value=${c.status}>${c.status_name}</option>`)}
      </select>`}</${Field}>
  </${Shell}>`;
}

// -- referral -------------------------------------------------------------------------------

export function ReferForm({ caseFile, names, organisation, perform, close }) {
  const bodies = organisation?.external_bodies || [];
  const [body, setBody] = useState(bodies[0]?.id || 'other');
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const [contact, setContact] = useState(false);
  const action = useCaseAction(perform, close);
  const target = bodies.find((b) => b.id === body);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.refer.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.referred', { body: target ? target.name : email }),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/referrals`, {
        ...(target ? { body: target.id } : { email }), message, include_contact: contact, version }))}>
    <${Field} label=${t('case.refer.body')} required>${({ id }) => html`
      <select id=${id} name="body" value=${body} onChange=${(e) => setBody(e.currentTarget.value)}>
        ${bodies.map((b) => html`<option value=${b.id}>${b.name} (${t(`case.body_kind.${b.kind}`)})</option>`)}
        <option value="other">${t('case.refer.other')}</option>
      </select>`}</${Field}>
    ${target ? html`<p class="muted">${t('case.refer.address', { address: target.email })}</p>` : html`
      <${Field} label=${t('case.refer.email')} required>${({ id }) => html`
        <input id=${id} name="email" type="email" autocomplete="off" value=${email} required maxlength="254" onInput=${(e) => setEmail(e.currentTarget.value)} />`}</${Field}>`}
    <${TextArea} label=${t('case.refer.message')} hint=${t('case.refer.message_hint')} name="message" value=${message} onInput=${setMessage} required rows="6" />
    <label class="choice"><input type="checkbox" name="include_contact" checked=${contact} onChange=${(e) => setContact(e.currentTarget.checked)} /> ${t('case.refer.include_contact')}</label>
  </${Shell}>`;
}

// -- merge and link: the other case ----------------------------------------------------------

function CasePicker({ caseFile, value, onChange }) {
  const [query, setQuery] = useState('');
  const [state, setState] = useState({ busy: false, items: null, error: null, note: null });
  async function find() {
    const q = query.trim();
    if (!q) return;
    setState({ busy: true, items: null, error: null, note: null });
    try {
      let items;
      if (NUMBER.test(q)) items = [await api.get(`/v1/admin/cases/${q}`)];
      else {
        try {
          items = (await api.get('/v1/admin/search', { q, limit: 10 })).items || [];
        } catch (error) {
          if (error.status === 404) {
            setState({ busy: false, items: [], error: null, note: t('case.pick.number_only') });
            return;
          }
          throw error;
        }
      }
      items = items.filter((item) => item.number !== caseFile.number);
      setState({ busy: false, items, error: null, note: null });
      if (items.length === 1) onChange(items[0].number);
    } catch (error) {
      setState({ busy: false, items: [], error, note: null });
    }
  }
  return html`<div class="case-picker">
    <div class="inline">
      <${Field} label=${t('case.pick.query')} hint=${t('case.pick.hint')}>${({ id, describedBy }) => html`
        <input id=${id} name="case_query" type="search" value=${query} aria-describedby=${describedBy} autocomplete="off"
          onInput=${(e) => setQuery(e.currentTarget.value)}
          onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); find(); } }} />`}</${Field}>
      <div class="field"><button type="button" class="button-quiet" onClick=${find} disabled=${state.busy}>${t('case.pick.find')}</button></div>
    </div>
    <div role="status">
      ${state.busy ? t('common.loading') : null}
      ${state.note ? html`<p class="muted">${state.note}</p>` : null}
      ${state.items && !state.items.length && !state.note && !state.error ? html`<p>${t('case.pick.none')}</p>` : null}
      ${state.items?.length ? t('case.pick.found', { count: state.items.length }) : null}
    </div>
    <${CaseError} error=${state.error} />
    ${state.items?.length ? html`<fieldset>
      <legend>${t('case.pick.choose')}</legend>
      ${state.items.map((item) => html`<label class="choice case-choice">
        <input type="radio" name="other_case" value=${item.number} checked=${value === item.number} onChange=${() => onChange(item.number)} />
        <span><strong>${item.number}</strong> · ${item.category_name || item.category} · ${item.status_name || item.status}
          <span class="muted">${(item.excerpt || item.description || item.subject || '').slice(0, 120)}</span></span>
      </label>`)}
    </fieldset>` : null}
  </div>`;
}

export function MergeForm({ caseFile, names, perform, close }) {
  const [into, setInto] = useState('');
  const [reason, setReason] = useState('');
  const action = useCaseAction(perform, close);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.merge.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.merged', { into }),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/merge`, { into, reason, version }))}>
    <p>${t('case.merge.intro', { number: caseFile.number })}</p>
    <${CasePicker} caseFile=${caseFile} value=${into} onChange=${setInto} />
    <p>${into ? t('case.merge.chosen', { into }) : t('case.merge.none_chosen')}</p>
    <${TextArea} label=${t('case.merge.reason')} hint=${t('case.internal_hint')} name="reason" value=${reason} onInput=${setReason} required rows="3" maxLength="1000" />
  </${Shell}>`;
}

export function LinkForm({ caseFile, names, perform, close }) {
  const [other, setOther] = useState('');
  const action = useCaseAction(perform, close);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.link.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.linked', { case: other }),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/links`, { case: other, version }))}>
    <${CasePicker} caseFile=${caseFile} value=${other} onChange=${setOther} />
    <p>${other ? t('case.link.chosen', { case: other }) : t('case.merge.none_chosen')}</p>
  </${Shell}>`;
}

// -- escalation, routing, deletion -----------------------------------------------------------

export function EscalateForm({ caseFile, names, perform, close }) {
  const [reason, setReason] = useState('');
  const action = useCaseAction(perform, close);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.escalate.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.escalated'),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/escalation`, { reason, version }))}>
    <p>${t('case.escalate.intro', { level: caseFile.escalation_level || 0 })}</p>
    <${TextArea} label=${t('case.escalate.reason')} hint=${t('case.internal_hint')} name="reason" value=${reason} onInput=${setReason} required rows="4" maxLength="1000" />
  </${Shell}>`;
}

export function RerouteForm({ caseFile, names, organisation, perform, close }) {
  const departments = (organisation?.departments || []).filter((d) => d.id !== caseFile.department);
  const [department, setDepartment] = useState(departments[0]?.id || '');
  const [reason, setReason] = useState('');
  const action = useCaseAction(perform, close);
  const chosen = departments.find((d) => d.id === department);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('case.reroute.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('case.done.rerouted', { department: chosen?.name || department }),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/routing`, { department, reason, version }))}>
    <p>${t('case.reroute.now', { department: caseFile.department_name })}</p>
    <${Field} label=${t('case.reroute.department')} hint=${t('case.reroute.hint')} required>${({ id, describedBy }) => html`
      <select id=${id} name="department" value=${department} aria-describedby=${describedBy} onChange=${(e) => setDepartment(e.currentTarget.value)}>
        ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
      </select>`}</${Field}>
    <${TextArea} label=${t('case.reroute.reason')} name="reason" value=${reason} onInput=${setReason} required rows="3" maxLength="1000" />
  </${Shell}>`;
}

export function DeleteForm({ caseFile, names, perform, close }) {
  const [reason, setReason] = useState('');
  const [sure, setSure] = useState(false);
  const [unsure, setUnsure] = useState(false);
  const action = useCaseAction(perform, close);
  useEffect(() => { if (sure) setUnsure(false); }, [sure]);
  return html`<${Shell} action=${action} names=${names} danger submitLabel=${t('case.delete.submit')} onCancel=${close}
    onSubmit=${() => {
      if (!sure) {
        setUnsure(true);
        return;
      }
      action.submit(t('case.done.deleted'), (version) => api.delete(`/v1/admin/cases/${caseFile.number}`, { reason, version }));
    }}>
    <p class="alert alert-warning">${t('case.delete.intro')}</p>
    <${TextArea} label=${t('case.delete.reason')} hint=${t('case.internal_hint')} name="reason" value=${reason} onInput=${setReason} required rows="3" maxLength="1000" />
    <div class=${`field${unsure ? ' field-invalid' : ''}`}>
      <label class="choice"><input type="checkbox" name="confirm" checked=${sure} aria-invalid=${unsure ? 'true' : undefined}
        aria-describedby=${unsure ? 'case-delete-unsure' : undefined}
        onChange=${(e) => setSure(e.currentTarget.checked)} /> ${t('case.delete.confirm', { number: caseFile.number })}</label>
      ${unsure ? html`<p class="field-error" id="case-delete-unsure">${t('case.delete.confirm_needed')}</p>` : null}
    </div>
  </${Shell}>`;
}
