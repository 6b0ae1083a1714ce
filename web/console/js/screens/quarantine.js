// Quarantined mail (quarantine.view): the list with the reason, sender, subject and when, one
// message read before it is released (its headers, text and attachments as the API parses them;
// attachments are listed, never opened), and the release (quarantine.release) after a
// confirmation, which says what became of it.
import { html, useState, useEffect, useRef } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { href, navigate } from '../router.js';
import { Page, Spinner, useLoad, useSession, useAction } from '../ui.js';
import { Confirm, Pager, ProblemAlert, actorName, formatBytes, useCursorPages } from '../admin/parts.js';

const PAGE = 50;
const REASONS = ['spam', 'virus', 'unreadable', 'own_mail', 'unmatched_bounce', 'dmarc_fail', 'sender_rate'];

function entryPath(id) {
  return `/v1/admin/quarantine/${encodeURIComponent(id)}`;
}

function reasonName(reason) {
  return REASONS.includes(reason) ? t(`reason.${reason}`) : reason;
}

function ReasonBadge({ reason }) {
  const severe = reason === 'virus' || reason === 'dmarc_fail';
  return html`<span class=${`badge ${severe ? 'badge-danger' : 'badge-warning'}`}>${reasonName(reason)}</span>`;
}

function verdictText(value) {
  const key = `verdict.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

function Checks({ verdicts }) {
  const names = ['spam', 'virus', 'dmarc', 'spf'].filter((n) => verdicts?.[n]);
  if (!names.length) return t('admin.none');
  return html`<ul class="admin-inline-list">${names.map((n) => html`<li>
    ${t(`quarantine.check.${n}`)}: <span class=${verdicts[n] === 'FAIL' ? 'admin-failed' : ''}>${verdictText(verdicts[n])}</span>
  </li>`)}</ul>`;
}

function Addresses({ list }) {
  return list && list.length ? list.join(', ') : t('admin.none');
}

function Outcome({ result }) {
  const known = ['new_case', 'appended', 'reopened', 'linked_case', 'bounce_recorded', 'duplicate', 'quarantined'];
  const outcome = known.includes(result.outcome) ? result.outcome : 'new_case';
  const good = !['duplicate', 'quarantined'].includes(result.outcome);
  return html`<div class=${`alert ${good ? 'alert-success' : 'alert-warning'}`} role="status">
    <p>${t(`quarantine.outcome.${outcome}`, { number: result.number || '' })}</p>
    ${result.number ? html`<p><a href=${href(`/cases/${result.number}`)}>${t('quarantine.open_case', { number: result.number })}</a></p>` : null}
  </div>`;
}

function Message({ id, onReleased, onClose, released }) {
  const { can } = useSession();
  const heading = useRef(null);
  const { data, error, loading, reload } = useLoad(() => api.get(entryPath(id)), [id]);
  const [asking, setAsking] = useState(false);
  const release = useAction();
  useEffect(() => { if (data) heading.current?.focus(); }, [data?.id]);

  async function confirmRelease() {
    const result = await release.run(() => api.post(`${entryPath(id)}/release`, {}));
    setAsking(false);
    if (result) {
      onReleased(result);
      reload();
    }
  }

  if (loading && !data) return html`<section class="card quarantine-message"><${Spinner} /></section>`;
  if (!data) return html`<section class="card quarantine-message"><${ProblemAlert} error=${error} /></section>`;
  const mail = data.message || {};
  const help = REASONS.includes(data.reason) ? t(`reason.${data.reason}.help`) : null;
  return html`<section class="card quarantine-message" aria-labelledby="quarantine-message-title">
    <div class="admin-card-head">
      <h2 id="quarantine-message-title" tabindex="-1" ref=${heading}>${mail.subject || t('quarantine.no_subject')}</h2>
      <button type="button" class="button-quiet" onClick=${onClose}>${t('quarantine.close')}</button>
    </div>
    <p><${ReasonBadge} reason=${data.reason} /> ${help}</p>
    ${released ? html`<${Outcome} result=${released} />` : null}
    <${ProblemAlert} error=${release.error || error} />
    <dl class="facts">
      <dt>${t('quarantine.field.from')}</dt>
      <dd>${mail.from_name ? `${mail.from_name} <${mail.from_address || ''}>` : (mail.from_address || t('admin.none'))}</dd>
      <dt>${t('quarantine.field.to')}</dt><dd><${Addresses} list=${mail.to} /></dd>
      ${mail.cc?.length ? html`<dt>${t('quarantine.field.cc')}</dt><dd><${Addresses} list=${mail.cc} /></dd>` : null}
      ${mail.reply_to?.length ? html`<dt>${t('quarantine.field.reply_to')}</dt><dd><${Addresses} list=${mail.reply_to} /></dd>` : null}
      ${mail.return_path && mail.return_path !== mail.from_address
        ? html`<dt>${t('quarantine.field.return_path')}</dt><dd>${mail.return_path}</dd>` : null}
      <dt>${t('quarantine.field.recipients')}</dt><dd><${Addresses} list=${data.recipients} /></dd>
      <dt>${t('quarantine.field.received')}</dt><dd>${formatDateTime(data.received_at)}</dd>
      ${mail.date ? html`<dt>${t('quarantine.field.date')}</dt><dd>${formatDateTime(mail.date)}</dd>` : null}
      ${mail.message_id ? html`<dt>${t('quarantine.field.message_id')}</dt><dd class="admin-code">${mail.message_id}</dd>` : null}
      <dt>${t('quarantine.field.checks')}</dt><dd><${Checks} verdicts=${data.verdicts} /></dd>
      ${mail.auto_generated?.length ? html`<dt>${t('quarantine.field.machine')}</dt><dd>${mail.auto_generated.join(', ')}</dd>` : null}
      <dt>${t('quarantine.col.state')}</dt>
      <dd>${data.released_at
        ? t('quarantine.released', { when: formatDateTime(data.released_at), who: actorName(data.released_by) })
        : t('quarantine.state.waiting')}</dd>
    </dl>
    ${mail.bounce ? html`<p class="alert">${t('quarantine.bounce')}</p>` : null}
    <h3>${t('quarantine.text')}</h3>
    ${mail.text?.trim()
      ? html`<pre class="quarantine-text" tabindex="0" aria-label=${t('quarantine.text')}>${mail.text}</pre>`
      : html`<p class="muted">${t('quarantine.text.empty')}</p>`}
    ${mail.text_truncated ? html`<p class="muted">${t('quarantine.text.truncated')}</p>` : null}
    ${mail.has_html ? html`<p class="muted">${t('quarantine.text.html')}</p>` : null}
    <h3>${t('quarantine.attachments')}</h3>
    ${mail.attachments?.length ? html`<ul class="quarantine-attachments">
      ${mail.attachments.map((a) => html`<li>
        <span class="admin-code">${a.filename}</span> <span class="muted">${a.content_type}, ${formatBytes(a.size)}${a.inline ? `, ${t('quarantine.attachment.inline')}` : ''}</span>
        ${a.refused ? html` <span class="badge badge-danger">${t(`refused.${a.refused}`)}</span>` : null}
      </li>`)}
    </ul>
    <p class="muted">${t('quarantine.attachments.note')}</p>` : html`<p class="muted">${t('quarantine.attachments.none')}</p>`}
    ${can('quarantine.release') && !data.released_at ? html`<div class="admin-card-actions">
      <button type="button" onClick=${() => setAsking(true)} disabled=${release.busy}>${t('quarantine.release')}</button>
    </div>` : null}
    <${Confirm} open=${asking} title=${t('quarantine.release.title')} confirmLabel=${t('quarantine.release.confirm')}
      busy=${release.busy} onConfirm=${confirmRelease} onCancel=${() => setAsking(false)}>
      <p>${t('quarantine.release.body')}</p>
      <p><strong>${mail.subject || t('quarantine.no_subject')}</strong> · ${mail.from_address || data.sender || ''}</p>
    </${Confirm}>
  </section>`;
}

export function QuarantineScreen({ query }) {
  const selected = query.id || null;
  const pages = useCursorPages('quarantine');
  const [released, setReleased] = useState({});
  const { data, error, loading, reload } = useLoad(
    () => api.get('/v1/admin/quarantine', { limit: PAGE, cursor: pages.cursor }), [pages.cursor]);
  const items = data?.items || [];
  const open = (id) => navigate('/quarantine', { id });
  const close = () => navigate('/quarantine', {});

  return html`<${Page} title=${t('quarantine.title')} wide
      actions=${html`<button type="button" class="button-quiet" onClick=${reload} disabled=${loading}>${t('admin.refresh')}</button>`}>
    <p class="admin-intro">${t('quarantine.intro')}</p>
    <div class=${`admin-master-detail${selected ? ' has-detail' : ''}`}>
      <section aria-labelledby="quarantine-list-title">
        <h2 id="quarantine-list-title" class="admin-sr-only">${t('quarantine.list')}</h2>
        <${ProblemAlert} error=${error} />
        ${loading && !data ? html`<${Spinner} />` : null}
        <p class="muted" role="status">${data ? (items.length ? t('quarantine.count', { count: items.length }) : t('quarantine.empty')) : ''}</p>
        ${items.length ? html`<div class="table-wrap"><table class="admin-table">
          <thead><tr>
            <th scope="col">${t('quarantine.col.received')}</th>
            <th scope="col">${t('quarantine.col.reason_state')}</th>
            <th scope="col">${t('quarantine.col.message')}</th>
            <th scope="col"><span class="admin-sr-only">${t('admin.actions')}</span></th>
          </tr></thead>
          <tbody>${items.map((e) => html`<tr class=${e.id === selected ? 'admin-selected' : ''} aria-current=${e.id === selected ? 'true' : undefined}>
            <td>${formatDateTime(e.received_at)}</td>
            <td><div><${ReasonBadge} reason=${e.reason} /></div>
              <div class="admin-small">${e.released_at ? html`<span class="badge status-resolved">${t('quarantine.state.released')}</span>`
                : html`<span class="badge">${t('quarantine.state.waiting')}</span>`}</div></td>
            <td class="admin-wrap">${e.sender || e.subject ? html`<div><strong>${e.subject || t('quarantine.no_subject')}</strong></div>
              <div class="muted admin-small">${e.sender}</div>` : html`<span class="muted">${t('quarantine.unread')}</span>`}</td>
            <td><button type="button" class="button-quiet" aria-label=${t('quarantine.open.label', { when: formatDateTime(e.received_at) })}
              onClick=${() => open(e.id)}>${t('quarantine.open')}</button></td>
          </tr>`)}</tbody>
        </table></div>` : null}
        <${Pager} pages=${pages} nextCursor=${data?.next_cursor} busy=${loading} />
      </section>
      ${selected ? html`<${Message} key=${selected} id=${selected} released=${released[selected]} onClose=${close}
        onReleased=${(result) => { setReleased((r) => ({ ...r, [selected]: result })); reload(); }} />`
        : html`<p class="muted admin-choose">${t('quarantine.choose')}</p>`}
    </div>
  </${Page}>`;
}
