// The API keys of Open311 apps (open311.keys, administrators): issue a key to an app that reports
// through Open311 GeoReport v2 (FixMyStreet, a city app), shown once (only its hash is kept), see
// every key with who issued it, revoke one (the app's next report is refused).
import { html, useState, useRef, useEffect } from '../lib.js';
import { api } from '../api.js';
import { t, register, formatDateTime } from '../i18n.js';
import { Field, Page, Spinner, useLoad, useAction } from '../ui.js';
import { Confirm, ProblemAlert, problem } from '../admin/parts.js';
import messages from '../messages/open311.js';

register(messages);

const KEYS = '/v1/admin/open311/keys';

function IssueForm({ onIssued }) {
  const issue = useAction();
  const [missing, setMissing] = useState({});
  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const body = { name: form.name.value.trim(), contact: form.contact.value.trim() };
    const absent = { name: !body.name, contact: !body.contact };
    setMissing(absent);
    if (absent.name || absent.contact) {
      (absent.name ? form.name : form.contact).focus();
      return;
    }
    const answer = await issue.run(() => api.post(KEYS, body));
    if (answer) {
      form.reset();
      onIssued(answer);
    }
  }
  const fields = issue.error ? problem(issue.error).fields : {};
  const error = (name) => (missing[name] ? t('open311.required') : fields[name] || null);
  return html`<form class="card open311-form" onSubmit=${submit} noValidate aria-labelledby="open311-issue-title">
    <h2 id="open311-issue-title">${t('open311.issue.title')}</h2>
    <p class="muted">${t('open311.issue.intro')}</p>
    <${Field} label=${t('open311.name')} hint=${t('open311.name.hint')} error=${error('name')} required>
      ${({ id, describedBy, invalid }) => html`<input id=${id} name="name" maxlength="100" required autocomplete="off"
        aria-describedby=${describedBy} aria-invalid=${invalid} />`}
    </${Field}>
    <${Field} label=${t('open311.contact')} hint=${t('open311.contact.hint')} error=${error('contact')} required>
      ${({ id, describedBy, invalid }) => html`<input id=${id} name="contact" maxlength="200" required autocomplete="off"
        aria-describedby=${describedBy} aria-invalid=${invalid} />`}
    </${Field}>
    ${issue.error && !fields.name && !fields.contact ? html`<${ProblemAlert} error=${issue.error} />` : null}
    <button type="submit" disabled=${issue.busy}>${t('open311.issue')}</button>
  </form>`;
}

function IssuedKey({ issued, onDismiss }) {
  const box = useRef(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => { box.current?.focus(); }, [issued.key_id]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(issued.api_key);
      setCopied(true);
    } catch (_) {
      box.current?.select();
    }
  }
  return html`<section class="alert alert-success open311-issued" role="status" aria-labelledby="open311-issued-title">
    <h2 id="open311-issued-title">${t('open311.issued.title', { name: issued.name })}</h2>
    <p>${t('open311.issued.once')}</p>
    <label for="open311-secret">${t('open311.issued.key')}</label>
    <input id="open311-secret" ref=${box} class="admin-code open311-secret" readonly value=${issued.api_key}
      onFocus=${(event) => event.currentTarget.select()} />
    <div class="open311-actions">
      <button type="button" onClick=${copy}>${copied ? t('open311.issued.copied') : t('open311.issued.copy')}</button>
      <button type="button" class="button-quiet" onClick=${onDismiss}>${t('open311.issued.done')}</button>
    </div>
  </section>`;
}

export function Open311KeysScreen() {
  const { data, error, loading, reload } = useLoad(() => api.get(KEYS), []);
  const [issued, setIssued] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const [revoked, setRevoked] = useState(null);
  const revoke = useAction();
  const keys = data?.keys || [];

  async function confirmRevoke() {
    const answer = await revoke.run(() => api.delete(`${KEYS}/${encodeURIComponent(revoking.key_id)}`));
    if (answer) {
      setRevoking(null);
      setRevoked(answer.name);
      reload();
    }
  }

  return html`<${Page} title=${t('open311.title')}
      actions=${html`<button type="button" class="button-quiet" onClick=${reload} disabled=${loading}>${t('open311.refresh')}</button>`}>
    <p class="admin-intro">${t('open311.intro')}</p>
    ${issued ? html`<${IssuedKey} issued=${issued} onDismiss=${() => setIssued(null)} />` : null}
    ${revoked ? html`<div class="alert alert-success" role="status">${t('open311.revoked', { name: revoked })}</div>` : null}
    <div class="columns open311-columns">
      <section aria-labelledby="open311-list-title">
        <h2 id="open311-list-title">${t('open311.list')}</h2>
        <${ProblemAlert} error=${error} />
        ${loading && !data ? html`<${Spinner} />` : null}
        <p class="muted" role="status">${data ? (keys.length ? t('open311.count', { count: keys.length }) : t('open311.empty')) : ''}</p>
        ${keys.length ? html`<div class="table-wrap"><table class="admin-table">
          <thead><tr>
            <th scope="col">${t('open311.col.app')}</th>
            <th scope="col">${t('open311.col.contact')}</th>
            <th scope="col">${t('open311.col.issued')}</th>
            <th scope="col">${t('open311.col.state')}</th>
            <th scope="col"><span class="admin-sr-only">${t('open311.col.actions')}</span></th>
          </tr></thead>
          <tbody>${keys.map((k) => html`<tr key=${k.key_id}>
            <td>${k.name}<div class="muted admin-small">${t('open311.key_id', { id: k.key_id })}</div></td>
            <td class="admin-wrap">${k.contact}</td>
            <td>${formatDateTime(k.created_at)}<div class="muted admin-small">${k.created_by}</div></td>
            <td>${k.active ? html`<span class="badge badge-success">${t('open311.active')}</span>`
              : html`<span class="badge badge-danger">${t('open311.revoked_at', { when: formatDateTime(k.revoked_at) })}</span>`}</td>
            <td>${k.active ? html`<button type="button" class="button-quiet"
              aria-label=${t('open311.revoke.label', { name: k.name })}
              onClick=${() => { setRevoked(null); setRevoking(k); }}>${t('open311.revoke')}</button>` : null}</td>
          </tr>`)}</tbody>
        </table></div>` : null}
      </section>
      <${IssueForm} onIssued=${(answer) => { setRevoked(null); setIssued(answer); reload(); }} />
    </div>
    ${revoking ? html`<${Confirm} open=${true} danger=${true} title=${t('open311.revoke.title', { name: revoking.name })}
        confirmLabel=${t('open311.revoke')} busy=${revoke.busy} onConfirm=${confirmRevoke}
        onCancel=${() => setRevoking(null)}>
      <p>${t('open311.revoke.body')}</p>
      ${revoke.error ? html`<${ProblemAlert} error=${revoke.error} />` : null}
    </${Confirm}>` : null}
  </${Page}>`;
}
