// A phone survey's call screen (survey.call): the list's counts, then "Next contact", which
// claims the next call due for this operator (call-backs first at their time; two operators never
// get the same one) and shows who to call, the script and the questions in the contact's language;
// the operator records the answers or what came of the call (no answer, busy, wrong number,
// refused, call back at a time). Nobody picks numbers by hand.
import { html, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime, formatNumber, LANGUAGE_NAMES } from '../i18n.js';
import { href } from '../router.js';
import { ErrorAlert, Field, Page, Spinner, useAction, useLoad } from '../ui.js';
import { problem } from '../admin/parts.js';
import { QuestionInput, surveyPath, titleOf } from '../surveys/parts.js';

const STATES = ['waiting', 'completed', 'refused', 'wrong_number', 'unreached'];
const OUTCOMES = ['no_answer', 'busy', 'wrong_number', 'refused'];

/** `datetime-local` gives a local wall time; the API wants RFC 3339 with the offset. */
function withOffset(local) {
  if (!local) return undefined;
  const moment = new Date(local);
  if (Number.isNaN(moment.getTime())) return undefined;
  return moment.toISOString();
}

function Counts({ list }) {
  return html`<dl class="facts survey-counts">
    ${STATES.map((s) => html`<dt>${t(`surveys.calls.state.${s}`)}</dt><dd>${formatNumber(list.states[s] || 0)}</dd>`)}
  </dl>`;
}

function Contact({ call }) {
  return html`<dl class="facts">
    <dt>${t('surveys.calls.name')}</dt><dd>${call.name || '–'}</dd>
    <dt>${t('surveys.calls.phone')}</dt><dd><a href=${`tel:${call.phone}`} class="survey-phone">${call.phone}</a></dd>
    <dt>${t('surveys.calls.language')}</dt><dd>${LANGUAGE_NAMES[call.language] || call.language}</dd>
  </dl>
  <p class="muted">${t('surveys.calls.claimed_until', { time: formatDateTime(call.claimed_until) })}</p>
  <p class="muted">${t('surveys.calls.attempts', { count: call.attempts })}${call.lane === 'call_back' ? html` · ${t('surveys.calls.call_back_lane')}` : null}</p>
  ${call.history.length ? html`<details><summary>${t('surveys.calls.history')}</summary><ul>
    ${call.history.map((a) => html`<li>${formatDateTime(a.at)}: ${t(`surveys.outcome.${a.outcome}`)}${a.call_back_at ? ` → ${formatDateTime(a.call_back_at)}` : ''}</li>`)}
  </ul></details>` : null}`;
}

function CallForm({ current, onDone }) {
  const { call, survey } = current;
  const [answers, setAnswers] = useState({});
  const [missing, setMissing] = useState({});
  const [callBackAt, setCallBackAt] = useState('');
  const record = useAction();
  const errors = record.error ? problem(record.error).fields : {};

  async function send(outcome) {
    const body = { claim_id: call.claim_id, outcome };
    if (outcome === 'answered') {
      const lacking = {};
      for (const q of survey.questions) {
        const v = answers[q.id];
        if (q.required && (v === undefined || v === '' || (Array.isArray(v) && !v.length))) lacking[q.id] = t('surveys.answer_required');
      }
      setMissing(lacking);
      if (Object.keys(lacking).length) {
        document.getElementById(`survey-q-${survey.questions.findIndex((q) => q.id in lacking)}`)?.focus();
        return;
      }
      body.answers = Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== '' && !(Array.isArray(v) && !v.length)));
    }
    if (outcome === 'call_back') body.call_back_at = withOffset(callBackAt);
    const done = await record.run(() => api.post(surveyPath(survey.survey_id, `/calls/${encodeURIComponent(call.member_key)}/outcome`), body));
    if (done) onDone(outcome);
  }

  return html`<div class="split survey-call">
    <section class="card" aria-labelledby="survey-script-title">
      <h2 id="survey-script-title">${t('surveys.calls.script')}</h2>
      <p class="survey-script" lang=${survey.language}>${survey.intro}</p>
      <form onSubmit=${(e) => { e.preventDefault(); send('answered'); }} novalidate aria-labelledby="survey-answers-title">
        <h2 id="survey-answers-title">${t('surveys.calls.answers')}</h2>
        <div lang=${survey.language}>
          ${survey.questions.map((q, n) => html`<${QuestionInput} key=${q.id} question=${q} index=${n} value=${answers[q.id]}
            error=${missing[q.id] || errors[`answers.${q.id}`]} onChange=${(v) => setAnswers({ ...answers, [q.id]: v })} />`)}
        </div>
        <button type="submit" disabled=${record.busy}>${t('surveys.outcome.answered')}</button>
      </form>
    </section>
    <aside class="card" aria-labelledby="survey-contact-title">
      <h2 id="survey-contact-title">${t('surveys.calls.contact')}</h2>
      <${Contact} call=${call} />
      <h3>${t('surveys.calls.outcome')}</h3>
      <${ErrorAlert} error=${record.error && !Object.keys(errors).length ? record.error : null} />
      <div class="survey-outcomes">
        ${OUTCOMES.map((o) => html`<button type="button" class="button-quiet" disabled=${record.busy} onClick=${() => send(o)}>${t(`surveys.outcome.${o}`)}</button>`)}
      </div>
      <${Field} label=${t('surveys.call_back_at')} hint=${t('surveys.call_back_at.hint')} error=${errors.call_back_at}>
        ${(f) => html`<input type="datetime-local" id=${f.id} aria-describedby=${f.describedBy} aria-invalid=${f.invalid}
          value=${callBackAt} onInput=${(e) => setCallBackAt(e.currentTarget.value)} />`}
      </${Field}>
      <button type="button" disabled=${record.busy} onClick=${() => send('call_back')}>${t('surveys.outcome.call_back')}</button>
    </aside>
  </div>`;
}

export function SurveyCallsScreen({ params }) {
  const id = params.id;
  const found = useLoad(() => Promise.all([api.get(surveyPath(id)), api.get(surveyPath(id, '/calls'))]), [id]);
  const [current, setCurrent] = useState(null); // {call, survey}
  const [message, setMessage] = useState('');
  const next = useAction();
  const status = useRef(null);
  const [survey, list] = found.data || [];

  async function take() {
    setMessage('');
    const answer = await next.run(() => api.post(surveyPath(id, '/calls/next'), {}));
    if (!answer) return;
    setCurrent(answer.call ? answer : null);
    if (!answer.call) setMessage(t('surveys.calls.none'));
    found.reload();
  }

  function done(outcome) {
    setMessage(outcome === 'answered' ? t('surveys.recorded.answered') : t('surveys.recorded.other', { outcome: t(`surveys.outcome.${outcome}`) }));
    setCurrent(null);
    found.reload();
    status.current?.focus();
  }

  if (!survey) return html`<${Page} title=${t('surveys.title')}>${found.error ? html`<${ErrorAlert} error=${found.error} />` : html`<${Spinner} />`}</${Page}>`;
  return html`<${Page} title=${t('surveys.calls.title', { title: titleOf(survey) })} wide=${true}
      actions=${html`<a class="button button-quiet" href=${href('/surveys')}>${t('surveys.back')}</a>`}>
    <section class="card" aria-labelledby="survey-list-title">
      <h2 id="survey-list-title">${t('surveys.calls.summary')}</h2>
      <${Counts} list=${list} />
      <button type="button" onClick=${take} disabled=${next.busy || Boolean(current)}>${next.busy ? t('surveys.calls.taking') : t('surveys.calls.next')}</button>
    </section>
    <div role="status" tabindex="-1" ref=${status} class="survey-status">${message ? html`<p class="alert alert-info">${message}</p>` : null}</div>
    <${ErrorAlert} error=${next.error} />
    ${current ? html`<${CallForm} key=${current.call.claim_id} current=${current} onDone=${done} />` : null}
  </${Page}>`;
}
