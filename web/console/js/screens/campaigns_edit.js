// Composing a campaign (campaign.manage; a draft changes by its author only): the title, the
// audience (with its preview counts), an optional open survey whose `{link}` the texts may
// carry, a message per language in tabs (subject, mail, SMS with its live part counter and,
// once saved, the server's estimate), the channels in order, urgent (SMS also in the quiet
// hours), now or at a time. Save, test on oneself, submit for a supervisor's approval.
import { html, useEffect, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { t, formatNumber, LANGUAGES, language } from '../i18n.js';
import { href, navigate } from '../router.js';
import { Alert, ErrorAlert, Field, Page, Spinner, useAction, useLoad, useSession } from '../ui.js';
import { problem, problemText } from '../admin/parts.js';
import { BASE, CHANNELS, campaignPath, languageName, smsCount, StateBadge } from '../campaigns/parts.js';

const EMPTY = { subject: '', mail_body: '', sms_text: '' };

function blank() {
  return { title: '', audience_id: '', survey_id: '', messages: { [language()]: { ...EMPTY } }, channels: ['email', 'sms'], urgent: false, when: 'now', send_at: '', version: null, state: 'draft' };
}

function toLocal(value) {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromCampaign(c) {
  return { title: c.title, audience_id: c.audience_id, survey_id: c.survey_id || '', messages: c.messages, channels: c.channels,
    urgent: c.urgent, when: c.send_at ? 'at' : 'now', send_at: toLocal(c.send_at), version: c.version, state: c.state, rejection: c.rejection, author: c.author };
}

function body(draft) {
  const messages = Object.fromEntries(Object.entries(draft.messages)
    .filter(([, m]) => m.subject || m.mail_body || m.sms_text)
    .map(([lang, m]) => [lang, Object.fromEntries(Object.entries(m).filter(([, v]) => v))]));
  const out = { title: draft.title, audience_id: draft.audience_id, messages, channels: draft.channels, urgent: draft.urgent };
  if (draft.survey_id) out.survey_id = draft.survey_id;
  if (draft.when === 'at' && draft.send_at) out.send_at = new Date(draft.send_at).toISOString();
  if (draft.version) out.version = draft.version;
  return out;
}

function AudiencePreview({ id }) {
  const found = useLoad(() => (id ? api.get(`/v1/admin/audiences/${encodeURIComponent(id)}/preview`, { limit: 1 }) : Promise.resolve(null)), [id]);
  if (!id) return null;
  if (found.error) return html`<${ErrorAlert} error=${found.error} />`;
  if (!found.data) return html`<${Spinner} label=${t('campaigns.audience.counting')} />`;
  const p = found.data;
  return html`<p class="campaign-audience-counts" role="status">
    ${t('campaigns.audience.total', { count: p.total, n: formatNumber(p.total) })}
    ${' · '}${CHANNELS.concat(['phone']).map((c) => t('campaigns.audience.by_channel', { channel: t(`campaigns.channel.${c}`), n: formatNumber(p.by_channel?.[c] || 0) })).join(' · ')}
    ${Object.keys(p.by_language || {}).length ? html`<br />${Object.entries(p.by_language).map(([l, n]) => `${languageName(l)}: ${formatNumber(n)}`).join(' · ')}` : null}
  </p>`;
}

function SmsCounter({ text, server }) {
  const c = smsCount(text);
  return html`<p class="campaign-sms-count" aria-live="polite">
    ${t('campaigns.sms.count', { characters: formatNumber(c.characters), encoding: c.encoding, count: c.parts, parts: formatNumber(c.parts) })}
    ${c.encoding === 'UCS-2' && c.characters ? html`<br /><span class="muted">${t('campaigns.sms.ucs2')}</span>` : null}
    ${server ? html`<br /><span>${t('campaigns.sms.server', { encoding: server.encoding, count: server.parts, parts: formatNumber(server.parts), characters: formatNumber(server.characters) })}</span>` : null}
  </p>`;
}

function LanguageTabs({ draft, setMessage, active, setActive, errors, estimate }) {
  const tabs = useRef({});
  const keyDown = (event, index) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    let next = null;
    if (step) next = LANGUAGES[(index + step + LANGUAGES.length) % LANGUAGES.length];
    if (event.key === 'Home') next = LANGUAGES[0];
    if (event.key === 'End') next = LANGUAGES[LANGUAGES.length - 1];
    if (!next) return;
    event.preventDefault();
    setActive(next);
    tabs.current[next]?.focus();
  };
  const m = draft.messages[active] || EMPTY;
  const field = (name) => errors[`messages.${active}.${name}`] || null;
  const written = (lang) => Object.values(draft.messages[lang] || {}).some(Boolean);
  return html`<div class="campaign-languages">
    <div role="tablist" aria-label=${t('campaigns.messages.tabs')} class="campaign-tabs">
      ${LANGUAGES.map((lang, i) => html`<button type="button" role="tab" id=${`campaign-tab-${lang}`} key=${lang}
        ref=${(node) => { tabs.current[lang] = node; }} aria-selected=${lang === active ? 'true' : 'false'}
        aria-controls="campaign-tabpanel" tabindex=${lang === active ? 0 : -1} onClick=${() => setActive(lang)} onKeyDown=${(e) => keyDown(e, i)}>
        ${languageName(lang)}${written(lang) ? html` <span class="campaign-written">${t('campaigns.messages.written')}</span>` : ''}</button>`)}
    </div>
    <div role="tabpanel" id="campaign-tabpanel" aria-labelledby=${`campaign-tab-${active}`} lang=${active} key=${active}>
      <${Field} label=${t('campaigns.field.subject')} error=${field('subject')}>
        ${(f) => html`<input id=${f.id} name="subject" maxlength="200" value=${m.subject || ''} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
          onInput=${(e) => setMessage(active, 'subject', e.currentTarget.value)} />`}
      </${Field}>
      <${Field} label=${t('campaigns.field.mail_body')} error=${field('mail_body')}>
        ${(f) => html`<textarea id=${f.id} name="mail_body" rows="7" value=${m.mail_body || ''} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
          onInput=${(e) => setMessage(active, 'mail_body', e.currentTarget.value)}></textarea>`}
      </${Field}>
      <${Field} label=${t('campaigns.field.sms_text')} hint=${t('campaigns.field.sms_text.hint')} error=${field('sms_text')}>
        ${(f) => html`<textarea id=${f.id} name="sms_text" rows="3" value=${m.sms_text || ''} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
          onInput=${(e) => setMessage(active, 'sms_text', e.currentTarget.value)}></textarea>`}
      </${Field}>
      <${SmsCounter} text=${m.sms_text} server=${estimate?.sms?.[active]} />
    </div>
  </div>`;
}

function ChannelOrder({ channels, onChange }) {
  const [said, setSaid] = useState('');
  const move = (index, step) => {
    const next = channels.slice();
    [next[index], next[index + step]] = [next[index + step], next[index]];
    onChange(next);
    setSaid(t('campaigns.channels.moved', { order: next.map((c) => t(`campaigns.channel.${c}`)).join(', ') }));
  };
  const toggle = (channel, on) => onChange(on ? [...channels, channel] : channels.filter((c) => c !== channel));
  return html`<fieldset class="campaign-channels">
    <legend>${t('campaigns.field.channels')}</legend>
    <p class="hint">${t('campaigns.field.channels.hint')}</p>
    <ol>
      ${channels.map((c, i) => html`<li key=${c}>
        <label class="campaign-check"><input type="checkbox" name=${`channel-${c}`} checked onChange=${() => toggle(c, false)} /> ${i + 1}. ${t(`campaigns.channel.${c}`)}</label>
        <button type="button" class="button-quiet" disabled=${i === 0} onClick=${() => move(i, -1)}
          aria-label=${t('campaigns.channels.up', { channel: t(`campaigns.channel.${c}`) })}>↑</button>
        <button type="button" class="button-quiet" disabled=${i === channels.length - 1} onClick=${() => move(i, 1)}
          aria-label=${t('campaigns.channels.down', { channel: t(`campaigns.channel.${c}`) })}>↓</button>
      </li>`)}
    </ol>
    ${CHANNELS.filter((c) => !channels.includes(c)).map((c) => html`<label class="campaign-check" key=${c}>
      <input type="checkbox" name=${`channel-${c}`} onChange=${() => toggle(c, true)} /> ${t(`campaigns.channel.${c}`)}</label>`)}
    <p class="visually-hidden" aria-live="polite">${said}</p>
  </fieldset>`;
}

export function CampaignEditScreen({ params }) {
  const { can, me } = useSession();
  const [createdId, setCreatedId] = useState(null);
  const id = params?.id || createdId;
  const [draft, setDraft] = useState(id ? null : blank());
  const [active, setActive] = useState(language());
  const [notice, setNotice] = useState('');
  const [testResult, setTestResult] = useState(null);
  const action = useAction();
  const loaded = useLoad(() => (id ? api.get(campaignPath(id)) : Promise.resolve(null)), [id]);
  const audiences = useLoad(() => api.get('/v1/admin/audiences'), []);
  const surveys = useLoad(() => (can('survey.view') ? api.get('/v1/admin/surveys') : Promise.resolve({ surveys: [] })), []);
  const estimate = useLoad(() => (id ? api.get(campaignPath(id, '/estimate')) : Promise.resolve(null)), [id, draft?.version]);
  const status = useRef(null);
  useEffect(() => { if (loaded.data) setDraft(fromCampaign(loaded.data)); }, [loaded.data]);
  useEffect(() => { if (notice) status.current?.focus(); }, [notice]);

  const title = id ? t('campaigns.edit.title', { title: draft?.title || '…' }) : t('campaigns.new');
  if (!draft) return html`<${Page} title=${title}>${loaded.error ? html`<${ErrorAlert} error=${loaded.error} />` : html`<${Spinner} />`}</${Page}>`;
  const readonly = draft.state !== 'draft' || (id && draft.author && draft.author !== me.username) || !can('campaign.manage');
  const errors = action.error ? problem(action.error).fields : {};
  const set = (name, value) => setDraft({ ...draft, [name]: value });
  const setMessage = (lang, name, value) => setDraft({ ...draft, messages: { ...draft.messages, [lang]: { ...EMPTY, ...(draft.messages[lang] || {}), [name]: value } } });
  const openSurveys = (surveys.data?.surveys || []).filter((s) => s.state === 'open');

  async function save() {
    setNotice('');
    const saved = await action.run(() => (id ? api.put(campaignPath(id), body(draft)) : api.post(BASE, body(draft))));
    if (!saved) return null;
    setDraft(fromCampaign(saved));
    if (!id) {
      // The address becomes the draft's own without leaving the screen (no route change).
      window.history.replaceState(null, '', href(`/campaigns/${saved.id}/edit`));
      setCreatedId(saved.id);
    }
    setNotice(t('campaigns.saved'));
    return saved;
  }
  async function test() {
    const saved = await save();
    if (!saved) return;
    const sent = await action.run(() => api.post(campaignPath(saved.id, '/test'), { language: active }));
    if (sent) { setTestResult(sent); setNotice(t('campaigns.test.sent', { to: sent.to || '–' })); }
  }
  async function submit() {
    const saved = await save();
    if (!saved) return;
    const done = await action.run(() => api.post(campaignPath(saved.id, '/submit'), { version: saved.version }));
    if (done) navigate(`/campaigns/${saved.id}`, { done: 'submitted' });
  }
  const generalError = action.error && !Object.keys(errors).length;

  return html`<${Page} title=${title} wide=${true}
      actions=${html`${id ? html`<a class="button button-quiet" href=${href(`/campaigns/${id}`)}>${t('campaigns.follow')}</a>` : null}
        <a class="button button-quiet" href=${href('/campaigns')}>${t('campaigns.back')}</a>`}>
    ${id ? html`<p><${StateBadge} state=${draft.state} /></p>` : null}
    ${draft.rejection ? html`<${Alert} kind="warning">${t('campaigns.rejected_because', { reason: draft.rejection })}</${Alert}>` : null}
    ${readonly ? html`<${Alert} kind="info">${t('campaigns.readonly')}</${Alert}>` : null}
    <div role="status" tabindex="-1" ref=${status} class="campaign-status">${notice ? html`<p class="alert alert-success">${notice}</p>` : null}</div>
    ${generalError ? html`<div class="alert alert-error" role="alert">${problemText(action.error)}</div>` : null}
    <form novalidate onSubmit=${(e) => { e.preventDefault(); save(); }} class="campaign-form">
      <fieldset disabled=${readonly} class="campaign-fieldset">
        <div class="columns">
          <section class="card" aria-labelledby="campaign-who">
            <h2 id="campaign-who">${t('campaigns.section.who')}</h2>
            <${Field} label=${t('campaigns.field.title')} hint=${t('campaigns.field.title.hint')} error=${errors.title} required=${true}>
              ${(f) => html`<input id=${f.id} name="title" maxlength="200" required value=${draft.title} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
                onInput=${(e) => set('title', e.currentTarget.value)} />`}
            </${Field}>
            <${Field} label=${t('campaigns.field.audience')} hint=${t('campaigns.field.audience.hint')} error=${errors.audience_id} required=${true}>
              ${(f) => html`<select id=${f.id} name="audience" required value=${draft.audience_id} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
                onChange=${(e) => set('audience_id', e.currentTarget.value)}>
                <option value="">${t('campaigns.field.audience.choose')}</option>
                ${(audiences.data?.items || []).map((a) => html`<option value=${a.id}>${a.name}</option>`)}
              </select>`}
            </${Field}>
            <${ErrorAlert} error=${audiences.error} />
            <${AudiencePreview} id=${draft.audience_id} />
            <${Field} label=${t('campaigns.field.survey')} hint=${t('campaigns.field.survey.hint')} error=${errors.survey_id}>
              ${(f) => html`<select id=${f.id} name="survey" value=${draft.survey_id} aria-describedby=${f.describedBy}
                onChange=${(e) => set('survey_id', e.currentTarget.value)}>
                <option value="">${t('campaigns.field.survey.none')}</option>
                ${openSurveys.map((s) => html`<option value=${s.id}>${s.title?.[language()] || Object.values(s.title || {})[0] || s.id}</option>`)}
              </select>`}
            </${Field}>
          </section>
          <section class="card" aria-labelledby="campaign-how">
            <h2 id="campaign-how">${t('campaigns.section.how')}</h2>
            <${ChannelOrder} channels=${draft.channels} onChange=${(c) => set('channels', c)} />
            ${errors.channels ? html`<p class="field-error">${errors.channels}</p>` : null}
            <label class="campaign-check"><input type="checkbox" name="urgent" checked=${draft.urgent} aria-describedby="campaign-urgent-hint"
              onChange=${(e) => set('urgent', e.currentTarget.checked)} /> ${t('campaigns.field.urgent')}</label>
            <p class="hint" id="campaign-urgent-hint">${t('campaigns.field.urgent.hint')}</p>
            <fieldset class="campaign-when">
              <legend>${t('campaigns.field.when')}</legend>
              <label class="campaign-check"><input type="radio" name="when" value="now" checked=${draft.when === 'now'} onChange=${() => set('when', 'now')} /> ${t('campaigns.field.when.now')}</label>
              <label class="campaign-check"><input type="radio" name="when" value="at" checked=${draft.when === 'at'} onChange=${() => set('when', 'at')} /> ${t('campaigns.field.when.at')}</label>
              ${draft.when === 'at' ? html`<${Field} label=${t('campaigns.field.send_at')} hint=${t('campaigns.field.send_at.hint')} error=${errors.send_at}>
                ${(f) => html`<input type="datetime-local" id=${f.id} name="send_at" value=${draft.send_at} aria-invalid=${f.invalid} aria-describedby=${f.describedBy}
                  onInput=${(e) => set('send_at', e.currentTarget.value)} />`}
              </${Field}>` : null}
            </fieldset>
          </section>
        </div>
        <section class="card" aria-labelledby="campaign-what">
          <h2 id="campaign-what">${t('campaigns.section.what')}</h2>
          <p class="hint">${t('campaigns.messages.hint')}${draft.survey_id ? ` ${t('campaigns.messages.link')}` : ''}</p>
          <${LanguageTabs} draft=${draft} setMessage=${setMessage} active=${active} setActive=${setActive} errors=${errors} estimate=${estimate.data} />
          ${Object.keys(errors).some((k) => k.startsWith('messages.') && !k.startsWith(`messages.${active}.`))
            ? html`<p class="field-error">${t('campaigns.messages.errors_elsewhere', { languages: [...new Set(Object.keys(errors).filter((k) => k.startsWith('messages.')).map((k) => languageName(k.split('.')[1])))].join(', ') })}</p>` : null}
        </section>
        <div class="campaign-actions">
          <button type="submit" disabled=${action.busy}>${action.busy ? t('campaigns.saving') : t('campaigns.save')}</button>
          <button type="button" class="button-quiet" disabled=${action.busy} onClick=${test}>${t('campaigns.test')}</button>
          <button type="button" class="button-quiet" disabled=${action.busy} onClick=${submit}>${t('campaigns.submit')}</button>
        </div>
      </fieldset>
    </form>
    ${testResult ? html`<section class="card" aria-labelledby="campaign-test-title">
      <h2 id="campaign-test-title">${t('campaigns.test.title')}</h2>
      <p>${t('campaigns.test.mail', { to: testResult.to || '–', language: languageName(testResult.language) })}</p>
      ${testResult.sms_preview ? html`<p>${t('campaigns.test.sms', { count: testResult.sms_parts, parts: formatNumber(testResult.sms_parts) })}</p>
        <pre class="campaign-sms-preview" lang=${testResult.language}>${testResult.sms_preview}</pre>` : null}
    </section>` : null}
  </${Page}>`;
}
