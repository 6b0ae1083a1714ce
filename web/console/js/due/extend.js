// Extending a statutory case's legal deadline (an FOI request): POST
// /v1/admin/cases/{number}/deadline-extension with the reason the requester is told, once.
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime } from '../i18n.js';
import { Shell, TextArea, useCaseAction } from '../case/forms.js';
import messages from '../messages/due.js';

register(messages);

/** Whether the case screen offers the extension: the server says it can be extended now and
 * the staff member may change the case's status (the server checks both again). */
export function offersExtension(caseFile, can) {
  return Boolean(caseFile.due?.legal_extendable) && can('case.change_status') && !caseFile.deleted;
}

export function ExtendDeadlineForm({ caseFile, names, perform, close }) {
  const [reason, setReason] = useState('');
  const action = useCaseAction(perform, close);
  return html`<${Shell} action=${action} names=${names} submitLabel=${t('due.extend.submit')} onCancel=${close}
    onSubmit=${() => action.submit(t('due.extend.done'),
      (version) => api.post(`/v1/admin/cases/${caseFile.number}/deadline-extension`, { reason, version }))}>
    <p>${t('due.extend.intro', { at: formatDateTime(caseFile.due?.legal) })}</p>
    <${TextArea} label=${t('due.extend.reason')} hint=${t('due.extend.reason_hint')} name="reason" value=${reason}
      onInput=${setReason} required rows="4" maxLength="2000" />
  </${Shell}>`;
}
