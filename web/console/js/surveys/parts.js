// What the survey screens share (screens/surveys*.js): their texts, reading one survey, a
// survey's texts in the console's language, and the answer controls of a question (the
// operator's call screen; the portal has its own page, web/survey.html).
import { html } from '../lib.js';
import { t, register, language } from '../i18n.js';
import messages from '../messages/surveys.js';

register(messages);

export const BASE = '/v1/admin/surveys';
export const KINDS = ['single_choice', 'multiple_choice', 'scale', 'yes_no', 'free_text'];
export const CHANNELS = ['portal', 'sms', 'phone'];

export function surveyPath(id, rest = '') {
  return `${BASE}/${encodeURIComponent(id)}${rest}`;
}

/** A text of several languages in the console's language, else any. */
export function local(texts) {
  if (!texts) return '';
  return texts[language()] || Object.values(texts).find(Boolean) || '';
}

export function titleOf(survey) {
  return local(survey.title) || t('surveys.untitled');
}

export function StateBadge({ state }) {
  return html`<span class=${`badge survey-state-${state}`}>${t(`surveys.state.${state}`)}</span>`;
}

function choicesOf(question) {
  if (question.kind === 'scale') {
    return [1, 2, 3, 4, 5].map((n) => ({ value: n, text: n === 1 ? t('surveys.scale.low') : n === 5 ? t('surveys.scale.high') : String(n) }));
  }
  if (question.kind === 'yes_no') return [{ value: true, text: t('surveys.yes') }, { value: false, text: t('surveys.no') }];
  return question.options.map((o) => ({ value: o.id, text: o.text }));
}

/** One question (in the respondent's language, `{id, kind, text, required, options}`) as
 * controls: a fieldset with a legend, its error tied to it. `value`, `onChange(value)`. */
export function QuestionInput({ question, index, value, onChange, error }) {
  const id = `survey-q-${index}`;
  const errorId = error ? `${id}-error` : undefined;
  const marker = question.required ? html` <span class="required" aria-hidden="true">*</span>` : null;
  if (question.kind === 'free_text') {
    return html`<div class=${`field${error ? ' field-invalid' : ''}`}>
      <label for=${id}>${question.text}${marker}</label>
      <textarea id=${id} rows="3" maxlength="2000" value=${value || ''} aria-describedby=${errorId}
        aria-invalid=${error ? 'true' : undefined} onInput=${(e) => onChange(e.currentTarget.value)}></textarea>
      ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null}
    </div>`;
  }
  const multiple = question.kind === 'multiple_choice';
  const picked = multiple ? (value || []) : [value];
  const toggle = (choice, on) => {
    if (!multiple) return onChange(choice.value);
    return onChange(on ? [...picked, choice.value] : picked.filter((v) => v !== choice.value));
  };
  return html`<fieldset class=${`survey-question${error ? ' field-invalid' : ''}`} aria-describedby=${errorId}>
    <legend>${question.text}${marker}</legend>
    <div class=${`survey-choices${question.kind === 'scale' ? ' survey-scale' : ''}`}>
      ${choicesOf(question).map((choice, n) => html`<label class="survey-choice" key=${String(choice.value)}>
        <input type=${multiple ? 'checkbox' : 'radio'} name=${id} id=${`${id}-${n}`} checked=${picked.includes(choice.value)}
          onChange=${(e) => toggle(choice, e.currentTarget.checked)} /> ${choice.text}</label>`)}
    </div>
    ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null}
  </fieldset>`;
}
