// After the save: the case's number, large, and the tracking code to read out (the API returns
// it once), where it went, how the citizen was told; or, when the call was added to an existing
// case, which one. Then the next call (Alt+N).
import { html, useEffect, useRef, useState } from '../lib.js';
import { t, formatDateTime } from '../i18n.js';
import { href } from '../router.js';
import { apiMessage } from './errors.js';

/** The tracking code in groups of four, easier to read out and to write down. */
export function grouped(token) {
  return (String(token || '').match(/.{1,4}/g) || []).join(' ');
}

/** The text of a note that records this call on an existing case (the operator may edit it). */
export function noteText(form) {
  const who = [form.name, form.phone, form.email].map((v) => v.trim()).filter(Boolean).join(', ');
  const when = form.receivedEdited && form.received ? new Date(form.received) : new Date();
  return t('intake.note.default', {
    channel: t(`intake.channel.${form.channel}`), when: formatDateTime(when),
    who: who || t('intake.note.anonymous'), description: form.description.trim(),
  });
}

function Confirmation({ answer, requester }) {
  if (answer.confirmation === 'email') return t('intake.done.confirmation.email', { email: requester?.email || '' });
  if (answer.confirmation === 'sms') return t('intake.done.confirmation.sms', { phone: requester?.phone || '' });
  return t('intake.done.confirmation.none');
}

export function Done({ result, onNext }) {
  const heading = useRef(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    heading.current?.focus();
    function shortcut(event) {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyN') {
        event.preventDefault();
        onNext();
      }
    }
    document.addEventListener('keydown', shortcut);
    return () => document.removeEventListener('keydown', shortcut);
  }, []);

  const number = result.kind === 'created' ? result.answer.number : result.number;
  const actions = html`<div class="intake-done-actions">
    <a class="button button-quiet" href=${href(`/cases/${encodeURIComponent(number)}`)}>${t('intake.done.open')}</a>
    <button type="button" onClick=${onNext} aria-keyshortcuts="Alt+N">${t('intake.done.next')}</button>
  </div>`;

  if (result.kind === 'noted') {
    return html`<section class="card intake-done" aria-labelledby="intake-done-title">
      <h2 id="intake-done-title" tabindex="-1" ref=${heading}>${t('intake.done.noted', { number })}</h2>
      <p class="intake-number">${number}</p>
      ${actions}
      <p class="hint">${t('intake.done.keys')}</p>
    </section>`;
  }

  const { answer, linked, requester, departmentName } = result;
  async function copy() {
    try {
      await navigator.clipboard.writeText(answer.tracking_url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return html`<section class="card intake-done" aria-labelledby="intake-done-title">
    <h2 id="intake-done-title" tabindex="-1" ref=${heading}>${t('intake.done.title', { number: answer.number })}</h2>
    <p class="intake-number" aria-hidden="true">${answer.number}</p>
    <dl class="facts">
      <dt>${t('intake.done.token')}</dt>
      <dd><span class="intake-token">${grouped(answer.token)}</span>
        <span class="hint">${t('intake.done.token.hint')}</span></dd>
      <dt>${t('intake.done.department')}</dt><dd>${departmentName || answer.department}</dd>
      <dt>${t('intake.done.confirmation')}</dt><dd><${Confirmation} answer=${answer} requester=${requester} /></dd>
      ${linked ? html`<dt>${t('intake.done.linked')}</dt>
        <dd>${linked.error ? html`<span class="field-error">${t('intake.done.link_failed', { number: linked.number })} ${apiMessage(linked.error)}</span>`
          : linked.number}</dd>` : null}
    </dl>
    <p class="intake-done-link"><a href=${answer.tracking_url} target="_blank" rel="noopener">${t('intake.done.tracking_link')}</a>
      <button type="button" class="button-quiet button-small" onClick=${copy}>${t('intake.done.copy')}</button>
      <span role="status">${copied ? t('intake.done.copied') : ''}</span></p>
    ${actions}
    <p class="hint">${t('intake.done.keys')}</p>
  </section>`;
}
