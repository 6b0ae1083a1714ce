// Canned replies: everyone who may answer citizens reads them, per language; administrators
// (canned_reply.manage) write, change and delete them. A change is saved against the version
// read: when another administrator changed the reply meanwhile (409), their text is shown next
// to one's own and one chooses which to keep.
import { html, useState, useEffect, useRef, useMemo } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime, language, LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { navigate } from '../router.js';
import { Field, Page, Spinner, useLoad, useSession, useAction } from '../ui.js';
import { Confirm, ProblemAlert, actorName, problem } from '../admin/parts.js';

const BASE = '/v1/admin/canned-replies';

function blank(lang) {
  return { id: null, title: '', text: '', language: lang, categories: [], version: null };
}

function CategoryChoice({ categories, chosen, onChange, error }) {
  const sorted = useMemo(() => [...categories].sort((a, b) => a.name.localeCompare(b.name)), [categories]);
  const toggle = (id, on) => onChange(on ? [...chosen, id] : chosen.filter((c) => c !== id));
  return html`<fieldset class=${`canned-categories${error ? ' field-invalid' : ''}`} aria-describedby="canned-categories-hint">
    <legend>${t('canned.field.categories')}</legend>
    <p class="hint" id="canned-categories-hint">${t('canned.field.categories.hint')}</p>
    <ul class="canned-category-list">${sorted.map((c) => html`<li>
      <label><input type="checkbox" name="categories" value=${c.id} checked=${chosen.includes(c.id)}
        onChange=${(e) => toggle(c.id, e.currentTarget.checked)} /> ${c.name}</label>
    </li>`)}</ul>
    ${error ? html`<p class="field-error">${error}</p>` : null}
  </fieldset>`;
}

function ReplyForm({ initial, categories, onSaved, onCancel }) {
  const [draft, setDraft] = useState(initial);
  const [missing, setMissing] = useState({});
  const [conflict, setConflict] = useState(null); // {current} or {gone: true}
  const save = useAction();
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  useEffect(() => { heading.current?.focus(); }, []);
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.currentTarget.value });
  const fields = save.error ? problem(save.error).fields : {};
  const fieldError = (name) => (missing[name] ? t('admin.required') : fields[name] || null);

  async function submit(event) {
    event.preventDefault();
    const empty = { title: !draft.title.trim(), text: !draft.text.trim() };
    setMissing(empty);
    if (empty.title || empty.text) {
      event.currentTarget.querySelector(empty.title ? '[name=title]' : '[name=text]')?.focus();
      return;
    }
    const body = { title: draft.title.trim(), text: draft.text, language: draft.language, categories: draft.categories };
    save.setError(null);
    setBusy(true);
    try {
      const saved = draft.id
        ? await api.put(`${BASE}/${encodeURIComponent(draft.id)}`, { ...body, version: draft.version })
        : await api.post(BASE, body);
      setConflict(null);
      onSaved(saved, !draft.id);
    } catch (error) {
      if (error.status === 409 && draft.id) {
        const all = await api.get(BASE).catch(() => null);
        const current = all?.items?.find((r) => r.id === draft.id);
        setConflict(current ? { current } : { gone: true });
      } else if (error.status === 404 && draft.id) {
        setConflict({ gone: true });
      } else {
        save.setError(error);
      }
    } finally {
      setBusy(false);
    }
  }

  const current = conflict?.current;
  return html`<form class="card canned-form" onSubmit=${submit} novalidate aria-labelledby="canned-form-title">
    <h2 id="canned-form-title" tabindex="-1" ref=${heading}>
      ${initial.id ? t('canned.form.edit', { title: initial.title }) : t('canned.form.new')}</h2>
    ${conflict?.gone ? html`<div class="alert alert-error" role="alert">${t('canned.gone')}</div>` : null}
    ${current ? html`<div class="alert alert-warning" role="alert">
      <p>${t('canned.conflict', { version: current.version })}</p>
      <h3>${t('canned.conflict.theirs')}</h3>
      <p><strong>${current.title}</strong> · ${LANGUAGE_NAMES[current.language] || current.language}</p>
      <p class="canned-text">${current.text}</p>
      <p class="muted">${t('canned.updated', { when: formatDateTime(current.updated_at), who: actorName(current.updated_by) })}</p>
      <div class="admin-card-actions">
        <button type="button" onClick=${() => { setDraft({ ...draft, version: current.version }); setConflict(null); }}>${t('canned.conflict.keep')}</button>
        <button type="button" class="button-quiet" onClick=${() => { setDraft({ ...current }); setConflict(null); }}>${t('canned.conflict.take')}</button>
      </div>
    </div>` : null}
    ${save.error && !Object.keys(fields).length ? html`<${ProblemAlert} error=${save.error} />` : null}
    ${Object.keys(fields).length ? html`<div class="alert alert-error" role="alert">${t('admin.invalid')}</div>` : null}
    <div class="inline">
      <${Field} label=${t('canned.field.title')} hint=${t('canned.field.title.hint')} error=${fieldError('title')} required>
        ${({ id, describedBy, invalid }) => html`<input id=${id} name="title" maxlength="200" required value=${draft.title}
          aria-describedby=${describedBy} aria-invalid=${invalid} onInput=${set('title')} />`}
      </${Field}>
      <${Field} label=${t('canned.field.language')} error=${fieldError('language')} required>
        ${({ id, describedBy, invalid }) => html`<select id=${id} name="language" value=${draft.language}
          aria-describedby=${describedBy} aria-invalid=${invalid} onChange=${set('language')}>
          ${LANGUAGES.map((l) => html`<option value=${l} lang=${l}>${LANGUAGE_NAMES[l]}</option>`)}
        </select>`}
      </${Field}>
    </div>
    <${Field} label=${t('canned.field.text')} hint=${t('canned.field.text.hint')} error=${fieldError('text')} required>
      ${({ id, describedBy, invalid }) => html`<textarea id=${id} name="text" rows="8" maxlength="10000" required
        lang=${draft.language} value=${draft.text} aria-describedby=${describedBy} aria-invalid=${invalid} onInput=${set('text')}></textarea>`}
    </${Field}>
    <${CategoryChoice} categories=${categories} chosen=${draft.categories}
      error=${fieldError('categories')} onChange=${(categoriesChosen) => setDraft({ ...draft, categories: categoriesChosen })} />
    <div class="admin-card-actions">
      <button type="submit" disabled=${busy || Boolean(current) || conflict?.gone}>${t('common.save')}</button>
      <button type="button" class="button-quiet" onClick=${onCancel}>${t('common.cancel')}</button>
    </div>
  </form>`;
}

function Reply({ reply, categoryNames, canManage, onEdit, onDelete }) {
  const names = reply.categories.map((c) => categoryNames[c] || c);
  return html`<li class="card canned-reply">
    <article aria-labelledby=${`canned-${reply.id}`}>
      <div class="admin-card-head">
        <h3 id=${`canned-${reply.id}`}>${reply.title}</h3>
        <span class="badge" lang=${reply.language}>${LANGUAGE_NAMES[reply.language] || reply.language}</span>
      </div>
      <p class="muted admin-small">${`${names.length ? names.join(', ') : t('canned.every_category')} · ${
        t('canned.updated', { when: formatDateTime(reply.updated_at), who: actorName(reply.updated_by) })}`}</p>
      <p class="canned-text" lang=${reply.language}>${reply.text}</p>
      ${canManage ? html`<div class="admin-card-actions">
        <button type="button" class="button-quiet" aria-label=${t('canned.edit.label', { title: reply.title })} onClick=${() => onEdit(reply)}>${t('canned.edit')}</button>
        <button type="button" class="button-quiet" aria-label=${t('canned.delete.label', { title: reply.title })} onClick=${() => onDelete(reply)}>${t('canned.delete')}</button>
      </div>` : null}
    </article>
  </li>`;
}

export function CannedRepliesScreen({ query }) {
  const { can } = useSession();
  const canManage = can('canned_reply.manage');
  const lang = LANGUAGES.includes(query.lang) ? query.lang : '';
  const [editing, setEditing] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [notice, setNotice] = useState(null);
  const removal = useAction();
  const [removing, setRemoving] = useState(false);
  const { data, error, loading, reload } = useLoad(() => api.get(BASE, { lang }), [lang]);
  const categories = useLoad(() => api.get('/v1/public/categories'), [language()]);
  const categoryList = categories.data?.categories || [];
  const categoryNames = useMemo(() => Object.fromEntries(categoryList.map((c) => [c.id, c.name])), [categoryList]);
  const items = data?.items || [];

  function saved(reply, created) {
    setEditing(null);
    setNotice({ kind: 'success', text: t(created ? 'canned.created' : 'canned.saved', { title: reply.title }) });
    reload();
  }

  async function remove() {
    const reply = deleting;
    if (removing) return;
    removal.setError(null);
    setRemoving(true);
    try {
      await api.delete(`${BASE}/${encodeURIComponent(reply.id)}`, { version: reply.version });
      setNotice({ kind: 'success', text: t('canned.deleted', { title: reply.title }) });
    } catch (caught) {
      if (caught.status === 409) setNotice({ kind: 'warning', text: t('canned.conflict.deleted', { version: problem(caught).currentVersion ?? '' }) });
      else if (caught.status === 404) setNotice({ kind: 'warning', text: t('canned.gone') });
      else removal.setError(caught);
    }
    setRemoving(false);
    setDeleting(null);
    reload();
  }

  const start = () => { setNotice(null); setEditing(blank(lang || language())); };
  return html`<${Page} title=${t('canned.title')}
      actions=${canManage && !editing ? html`<button type="button" onClick=${start}>${t('canned.new')}</button>` : null}>
    <p class="admin-intro">${t('canned.intro')}</p>
    ${notice ? html`<div class=${`alert alert-${notice.kind}`} role="status">${notice.text}</div>` : null}
    <${ProblemAlert} error=${removal.error} />
    ${editing ? html`<${ReplyForm} key=${editing.id || 'new'} initial=${editing} categories=${categoryList}
      onSaved=${saved} onCancel=${() => setEditing(null)} />` : null}
    <form class="card inline admin-filters" role="search" aria-label=${t('canned.language')} onSubmit=${(e) => e.preventDefault()}>
      <${Field} label=${t('canned.language')}>${({ id }) => html`
        <select id=${id} name="lang" value=${lang} onChange=${(e) => navigate('/canned-replies', { lang: e.currentTarget.value }, { replace: true })}>
          <option value="">${t('canned.language.all')}</option>
          ${LANGUAGES.map((l) => html`<option value=${l} lang=${l}>${LANGUAGE_NAMES[l]}</option>`)}
        </select>`}</${Field}>
    </form>
    <${ProblemAlert} error=${error} />
    ${loading && !data ? html`<${Spinner} />` : null}
    <section aria-labelledby="canned-list-title">
      <h2 id="canned-list-title" class="admin-sr-only">${t('canned.list')}</h2>
      <p class="muted" role="status">${data ? (items.length ? t('canned.count', { count: items.length }) : t('canned.empty')) : ''}</p>
      <ul class="canned-list">${items.map((r) => html`<${Reply} key=${r.id} reply=${r} categoryNames=${categoryNames}
        canManage=${canManage} onEdit=${(reply) => { setNotice(null); setEditing({ ...reply }); }}
        onDelete=${(reply) => { setNotice(null); setDeleting(reply); }} />`)}</ul>
    </section>
    ${deleting ? html`<${Confirm} open=${true} danger title=${t('canned.delete.title', { title: deleting.title })}
      confirmLabel=${t('canned.delete.confirm')} busy=${removing} onConfirm=${remove} onCancel=${() => setDeleting(null)}>
      <p>${t('canned.delete.body')}</p>
    </${Confirm}>` : null}
  </${Page}>`;
}
