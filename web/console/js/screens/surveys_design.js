// The survey designer (survey.design): title, introduction (the operators' script), questions
// with their options, channels and audience, the texts in one language at a time with what is
// still missing in the others; a draft is saved against the version read (409: reloaded), then
// opened (the server checks every language) or deleted; an open survey is closed. Those who may
// only read (survey.view) see the same form read-only.
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { t, language, LANGUAGES, LANGUAGE_NAMES } from '../i18n.js';
import { href, navigate } from '../router.js';
import { ErrorAlert, Field, Page, Spinner, useAction, useLoad, useSession } from '../ui.js';
import { Confirm, problem } from '../admin/parts.js';
import { BASE, CHANNELS, KINDS, StateBadge, surveyPath, titleOf } from '../surveys/parts.js';

const CHOICE_KINDS = ['single_choice', 'multiple_choice'];
//: What the screen says after creating a draft: the new draft's screen (another route) shows it.
let carriedNotice = '';

function blankQuestion(n) {
  return { id: `q${n}`, kind: 'single_choice', text: {}, required: false, options: [{ id: 'a', text: {} }, { id: 'b', text: {} }] };
}

function blank() {
  return { title: {}, intro: {}, channels: ['portal'], audience_id: '', after_resolution: [], questions: [blankQuestion(1)] };
}

function designOf(survey) {
  return { title: { ...survey.title }, intro: { ...survey.intro }, channels: [...survey.channels],
    audience_id: survey.audience_id || '', after_resolution: [...(survey.after_resolution || [])], questions: survey.questions.map((q) => ({ ...q, options: q.options.map((o) => ({ ...o })) })) };
}

function body(draft) {
  return { title: draft.title, intro: draft.intro, channels: draft.channels, audience_id: draft.audience_id.trim() || undefined,
    after_resolution: draft.after_resolution,
    questions: draft.questions.map((q) => ({ id: q.id, kind: q.kind, text: q.text, required: q.required,
      ...(CHOICE_KINDS.includes(q.kind) ? { options: q.options } : {}) })) };
}

/** The languages some text of the draft lacks. */
function missing(draft) {
  const texts = [draft.title, ...draft.questions.map((q) => q.text),
    ...draft.questions.filter((q) => CHOICE_KINDS.includes(q.kind)).flatMap((q) => q.options.map((o) => o.text))];
  if (Object.values(draft.intro).some(Boolean)) texts.push(draft.intro);
  return LANGUAGES.filter((lang) => texts.some((text) => !(text[lang] || '').trim()));
}

function OptionRows({ question, index, lang, readOnly, errors, onChange }) {
  const set = (n, value) => onChange({ ...question, options: question.options.map((o, i) => (i === n ? { ...o, text: { ...o.text, [lang]: value } } : o)) });
  const remove = (n) => onChange({ ...question, options: question.options.filter((_, i) => i !== n) });
  const add = () => {
    const used = new Set(question.options.map((o) => o.id));
    const id = 'abcdefghijkl'.split('').find((c) => !used.has(c)) || `o${question.options.length + 1}`;
    onChange({ ...question, options: [...question.options, { id, text: {} }] });
  };
  return html`<div class="survey-options">
    ${question.options.map((option, n) => html`<div class="survey-option" key=${option.id}>
      <${Field} label=${t('surveys.option.text', { n: n + 1 })} error=${errors[`questions[${index}].options[${n}].text.${lang}`]}>
        ${(f) => html`<input id=${f.id} aria-describedby=${f.describedBy} aria-invalid=${f.invalid} value=${option.text[lang] || ''}
          readOnly=${readOnly} maxlength="200" onInput=${(e) => set(n, e.currentTarget.value)} />`}
      </${Field}>
      ${readOnly ? null : html`<button type="button" class="button-quiet" onClick=${() => remove(n)}
        aria-label=${t('surveys.option.remove', { n: n + 1 })}>×</button>`}
    </div>`)}
    ${errors[`questions[${index}].options`] ? html`<p class="field-error">${errors[`questions[${index}].options`]}</p>` : null}
    ${readOnly || question.options.length >= 12 ? null : html`<button type="button" class="button-quiet" onClick=${add}>${t('surveys.option.add')}</button>`}
  </div>`;
}

/** The categories whose resolved cases' requesters get the survey's link (once per case). */
function AfterResolution({ categories, chosen, readOnly, error, onChange }) {
  if (!categories) return null;
  const sorted = [...categories].sort((a, b) => a.name.localeCompare(b.name));
  return html`<details class="survey-after" open=${chosen.length > 0}>
    <summary>${t('surveys.field.after_resolution')}</summary>
    <fieldset class=${`survey-channels${error ? ' field-invalid' : ''}`} aria-describedby="survey-after-hint">
      <legend class="visually-hidden">${t('surveys.field.after_resolution')}</legend>
      <p class="hint" id="survey-after-hint">${t('surveys.field.after_resolution.hint')}</p>
      <div class="survey-category-list">${sorted.map((c) => html`<label class="survey-check" key=${c.id}>
        <input type="checkbox" checked=${chosen.includes(c.id)} disabled=${readOnly}
          onChange=${(e) => onChange(e.currentTarget.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))} /> ${c.name}</label>`)}</div>
      ${error ? html`<p class="field-error">${error}</p>` : null}
    </fieldset>
  </details>`;
}

function QuestionEditor({ question, index, lang, readOnly, errors, onChange, onRemove, onUp }) {
  const n = index + 1;
  return html`<fieldset class="card survey-question-editor">
    <legend>${t('surveys.question.legend', { n })}</legend>
    <${Field} label=${t('surveys.question.text')} error=${errors[`questions[${index}].text.${lang}`]}>
      ${(f) => html`<textarea id=${f.id} rows="2" aria-describedby=${f.describedBy} aria-invalid=${f.invalid} readOnly=${readOnly}
        maxlength="1000" value=${question.text[lang] || ''} onInput=${(e) => onChange({ ...question, text: { ...question.text, [lang]: e.currentTarget.value } })}></textarea>`}
    </${Field}>
    <div class="columns">
      <${Field} label=${t('surveys.question.kind')}>
        ${(f) => html`<select id=${f.id} disabled=${readOnly} value=${question.kind} onChange=${(e) => onChange({ ...question, kind: e.currentTarget.value })}>
          ${KINDS.map((k) => html`<option value=${k}>${t(`surveys.kind.${k}`)}</option>`)}</select>`}
      </${Field}>
      <${Field} label=${t('surveys.question.id')} error=${errors[`questions[${index}].id`]}>
        ${(f) => html`<input id=${f.id} aria-describedby=${f.describedBy} aria-invalid=${f.invalid} readOnly=${readOnly} value=${question.id}
          maxlength="40" pattern="[a-z0-9][a-z0-9_-]*" onInput=${(e) => onChange({ ...question, id: e.currentTarget.value.trim() })} />`}
      </${Field}>
    </div>
    <label class="survey-check"><input type="checkbox" checked=${question.required} disabled=${readOnly}
      onChange=${(e) => onChange({ ...question, required: e.currentTarget.checked })} /> ${t('surveys.question.required')}</label>
    ${CHOICE_KINDS.includes(question.kind) ? html`<${OptionRows} question=${question} index=${index} lang=${lang}
      readOnly=${readOnly} errors=${errors} onChange=${onChange} />` : null}
    ${readOnly ? null : html`<div class="survey-question-actions">
      ${index > 0 ? html`<button type="button" class="button-quiet" onClick=${onUp}>${t('surveys.question.up', { n })}</button>` : null}
      <button type="button" class="button-quiet" onClick=${onRemove}>${t('surveys.question.remove', { n })}</button>
    </div>`}
  </fieldset>`;
}

export function SurveyDesignScreen({ params }) {
  const { can } = useSession();
  const id = params.id && params.id !== 'new' ? params.id : null;
  const found = useLoad(() => (id ? api.get(surveyPath(id)) : Promise.resolve(null)), [id]);
  const categories = useLoad(() => api.get('/v1/admin/categories'), [language()]);
  const [draft, setDraft] = useState(id ? null : blank());
  const [lang, setLang] = useState(language());
  const [notice, setNotice] = useState(() => {
    const carried = carriedNotice;
    carriedNotice = '';
    return carried;
  });
  const [asking, setAsking] = useState(null); // 'open' | 'close' | 'delete'
  const save = useAction();
  const survey = found.data;
  useEffect(() => { if (survey) setDraft(designOf(survey)); }, [survey]);
  if (id && !survey) return html`<${Page} title=${t('surveys.title')}>${found.error ? html`<${ErrorAlert} error=${found.error} />` : html`<${Spinner} />`}</${Page}>`;
  if (!draft) return html`<${Page} title=${t('surveys.title')}><${Spinner} /></${Page}>`;
  const readOnly = !can('survey.design') || (survey && survey.state !== 'draft');
  const errors = save.error ? problem(save.error).fields : {};
  const lacking = missing(draft);
  const set = (name, value) => setDraft({ ...draft, [name]: value });
  const setQuestion = (n, q) => set('questions', draft.questions.map((x, i) => (i === n ? q : x)));

  async function store(event) {
    event.preventDefault();
    setNotice('');
    const saved = await save.run(async () => {
      try {
        return await (survey ? api.put(surveyPath(survey.id), { ...body(draft), version: survey.version }) : api.post(BASE, body(draft)));
      } catch (error) {
        if (error.status === 409) found.reload(); // another designer's version, to start again from
        throw error;
      }
    });
    if (!saved) return;
    if (!survey) {
      carriedNotice = t('surveys.saved');
      navigate(`/surveys/${saved.id}`, {}, { replace: true });
      return;
    }
    setNotice(t('surveys.saved'));
    found.reload();
  }

  async function change(what) {
    const done = await save.run(() => (what === 'delete'
      ? api.delete(surveyPath(survey.id), { version: survey.version })
      : api.post(surveyPath(survey.id, `/${what}`), { version: survey.version })));
    setAsking(null);
    if (!done) return;
    if (what === 'delete') navigate('/surveys');
    else {
      setNotice(t(what === 'open' ? 'surveys.opened' : 'surveys.closed'));
      found.reload();
    }
  }

  const title = survey ? t('surveys.design.title_edit', { title: titleOf(survey) }) : t('surveys.design.title_new');
  const listed = Object.entries(errors);
  return html`<${Page} title=${title} wide=${true} actions=${html`<a class="button-quiet button" href=${href('/surveys')}>${t('surveys.back')}</a>`}>
    ${survey ? html`<p><${StateBadge} state=${survey.state} /> ${readOnly && survey.state !== 'draft' ? html`<span class="muted">${t('surveys.readonly')}</span>` : null}</p>` : null}
    ${notice ? html`<div class="alert alert-success" role="status">${notice}</div>` : null}
    ${save.error?.status === 409 ? html`<div class="alert alert-error" role="alert">${t('surveys.conflict')}</div>`
      : save.error && !listed.length ? html`<${ErrorAlert} error=${save.error} />` : null}
    ${listed.length ? html`<div class="alert alert-error" role="alert"><p>${problem(save.error).message}</p>
      <ul>${listed.map(([field, message]) => html`<li><code>${field}</code>: ${message}</li>`)}</ul></div>` : null}
    <form class="survey-designer" onSubmit=${store} novalidate>
      <div class="card">
        <${Field} label=${t('surveys.design.language')} hint=${lacking.length ? t('surveys.design.missing', { languages: lacking.map((l) => LANGUAGE_NAMES[l]).join(', ') }) : t('surveys.design.complete')}>
          ${(f) => html`<select id=${f.id} aria-describedby=${f.describedBy} value=${lang} onChange=${(e) => setLang(e.currentTarget.value)}>
            ${LANGUAGES.map((l) => html`<option value=${l}>${LANGUAGE_NAMES[l]}</option>`)}</select>`}
        </${Field}>
        <${Field} label=${t('surveys.field.title')} required=${true} error=${errors[`title.${lang}`] || errors.title}>
          ${(f) => html`<input id=${f.id} aria-describedby=${f.describedBy} aria-invalid=${f.invalid} readOnly=${readOnly} maxlength="200"
            value=${draft.title[lang] || ''} onInput=${(e) => set('title', { ...draft.title, [lang]: e.currentTarget.value })} />`}
        </${Field}>
        <${Field} label=${t('surveys.field.intro')} error=${errors[`intro.${lang}`]}>
          ${(f) => html`<textarea id=${f.id} rows="4" aria-describedby=${f.describedBy} aria-invalid=${f.invalid} readOnly=${readOnly} maxlength="4000"
            value=${draft.intro[lang] || ''} onInput=${(e) => set('intro', { ...draft.intro, [lang]: e.currentTarget.value })}></textarea>`}
        </${Field}>
        <fieldset class=${`survey-channels${errors.channels ? ' field-invalid' : ''}`} aria-describedby="survey-channels-hint">
          <legend>${t('surveys.field.channels')}</legend>
          <p class="hint" id="survey-channels-hint">${t('surveys.field.channels.hint')}</p>
          ${CHANNELS.map((c) => html`<label class="survey-check"><input type="checkbox" checked=${draft.channels.includes(c)} disabled=${readOnly}
            onChange=${(e) => set('channels', e.currentTarget.checked ? [...draft.channels, c] : draft.channels.filter((x) => x !== c))} /> ${t(`surveys.channel.${c}`)}</label>`)}
          ${errors.channels ? html`<p class="field-error">${errors.channels}</p>` : null}
        </fieldset>
        <${AfterResolution} categories=${categories.data?.categories} chosen=${draft.after_resolution} readOnly=${readOnly}
          error=${errors.after_resolution} onChange=${(v) => set('after_resolution', v)} />
        <${Field} label=${t('surveys.field.audience')} hint=${t('surveys.field.audience.hint')} error=${errors.audience_id}>
          ${(f) => html`<input id=${f.id} aria-describedby=${f.describedBy} aria-invalid=${f.invalid} readOnly=${readOnly} maxlength="64"
            value=${draft.audience_id} onInput=${(e) => set('audience_id', e.currentTarget.value)} />`}
        </${Field}>
      </div>
      <h2>${t('surveys.questions')}</h2>
      ${errors.questions ? html`<p class="field-error">${errors.questions}</p>` : null}
      ${draft.questions.map((q, n) => html`<${QuestionEditor} key=${n} question=${q} index=${n} lang=${lang} readOnly=${readOnly} errors=${errors}
        onChange=${(x) => setQuestion(n, x)} onRemove=${() => set('questions', draft.questions.filter((_, i) => i !== n))}
        onUp=${() => set('questions', draft.questions.map((x, i) => (i === n - 1 ? draft.questions[n] : i === n ? draft.questions[n - 1] : x)))} />`)}
      ${readOnly ? null : html`<p><button type="button" class="button-quiet" onClick=${() => set('questions', [...draft.questions, blankQuestion(draft.questions.length + 1)])}>
        ${t('surveys.question.add')}</button></p>`}
      <div class="page-actions survey-designer-actions">
        ${readOnly ? null : html`<button type="submit" disabled=${save.busy}>${save.busy ? t('surveys.saving') : t('surveys.save')}</button>`}
        ${survey && survey.state === 'draft' && can('survey.design') ? html`
          <button type="button" onClick=${() => setAsking('open')} disabled=${save.busy}>${t('surveys.open')}</button>
          <button type="button" class="button-danger" onClick=${() => setAsking('delete')} disabled=${save.busy}>${t('surveys.delete')}</button>` : null}
        ${survey && survey.state === 'open' && can('survey.design') ? html`
          <button type="button" class="button-danger" onClick=${() => setAsking('close')} disabled=${save.busy}>${t('surveys.close')}</button>` : null}
      </div>
    </form>
    <${Confirm} open=${Boolean(asking)} title=${asking ? t(`surveys.${asking}`) : ''} confirmLabel=${asking ? t(`surveys.${asking}`) : ''}
      danger=${asking !== 'open'} busy=${save.busy} onConfirm=${() => change(asking)} onCancel=${() => setAsking(null)}>
      <p>${asking ? t(`surveys.${asking}.confirm`) : ''}</p>
    </${Confirm}>
  </${Page}>`;
}
