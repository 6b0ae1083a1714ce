// A case's whole timeline, oldest first: each entry with who and when, the server's sentence for
// it and what it carries (a message, a note, a reason, the attachments); the delivery trail
// (notifications, delivery reports) folded into groups so the history stays readable.
import { html, useState } from '../lib.js';
import { t, formatDateTime, formatNumber } from '../i18n.js';
import { href } from '../router.js';
import { actorName, personName } from './people.js';

const TRAIL = new Set(['notification', 'delivery_report']);
const INTERNAL_MARK = new Set(['note', 'assigned', 'escalated', 'deleted', 'merged_from', 'linked',
  'delivery_failed', 'attachment_refused', 'notification', 'delivery_report']);

/** Consecutive trail entries as one group; everything else one by one. */
export function groupTimeline(entries) {
  const groups = [];
  for (const entry of entries) {
    const last = groups[groups.length - 1];
    if (TRAIL.has(entry.kind) && last?.trail) last.entries.push(entry);
    else if (TRAIL.has(entry.kind)) groups.push({ trail: true, entries: [entry] });
    else groups.push({ trail: false, entries: [entry] });
  }
  return groups;
}

function When({ at }) {
  return html`<time datetime=${at}>${formatDateTime(at)}</time>`;
}

function CaseLink({ number }) {
  return number ? html`<a href=${href(`/cases/${number}`)}>${number}</a>` : null;
}

function Detail({ label, children }) {
  if (children === null || children === undefined || children === '') return null;
  return html`<div class="entry-detail"><span class="entry-label">${label}:</span> ${children}</div>`;
}

function Text({ label, text, className = 'body' }) {
  if (!text) return null;
  return html`<div class="entry-text">
    ${label ? html`<p class="entry-label">${label}</p>` : null}
    <div class=${className}>${text}</div>
  </div>`;
}

function sizeText(bytes) {
  if (!bytes) return '';
  if (bytes < 1024) return t('case.size.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('case.size.kb', { size: formatNumber(Math.round(bytes / 102.4) / 10) });
  return t('case.size.mb', { size: formatNumber(Math.round(bytes / 104857.6) / 10) });
}

function Attachments({ files, onOpen, extra }) {
  if (!files?.length) return null;
  return html`<div class="entry-attachments">
    <p class="entry-label">${t('case.attachments', { count: files.length })}</p>
    <ul>
      ${files.map((file) => html`<li>
        ${file.id
          ? html`<button type="button" class="button-quiet button-small" onClick=${(e) => onOpen(file, e.currentTarget)}>
              ${file.content_type?.startsWith('image/') && /^image\/(jpeg|png|gif|webp)$/.test(file.content_type)
                ? t('case.attachment.view', { name: file.filename }) : t('case.attachment.download', { name: file.filename })}
            </button>`
          : html`<span>${file.filename}</span>`}
        <span class="muted"> ${[file.content_type, sizeText(file.size)].filter(Boolean).join(', ')}</span>
        ${file.refused ? html` <span class="badge badge-danger">${t('case.attachment.refused', { reason: t(`case.refused.${file.refused}`) })}</span>` : null}
        ${extra ? extra(file) : null}
      </li>`)}
    </ul>
  </div>`;
}

function statusName(status, statusNames) {
  return statusNames[status] || status;
}

function EntryBody({ entry, ctx }) {
  const d = entry.data || {};
  const { names, statusNames, departments, onOpenAttachment } = ctx;
  switch (entry.kind) {
    case 'message_in':
      return html`
        <${Detail} label=${t('case.entry.channel')}>${d.channel ? t(`case.channel.${d.channel}`) : null}</${Detail}>
        <${Detail} label=${t('case.entry.from')}>${d.from_name ? `${d.from_name} <${d.from}>` : d.from}</${Detail}>
        <${Detail} label=${t('case.entry.subject')}>${d.subject}</${Detail}>
        <${Text} text=${d.text} />
        ${d.truncated ? html`<p class="muted">${t('case.entry.truncated')}</p>` : null}
        <${Attachments} files=${d.attachments} onOpen=${onOpenAttachment} extra=${ctx.attachmentExtra} />`;
    case 'case_opened': // the files sent with the web form (docs/photos.md)
      return html`<${Attachments} files=${d.attachments} onOpen=${onOpenAttachment} extra=${ctx.attachmentExtra} />`;
    case 'message_out':
      return html`
        <${Detail} label=${t('case.entry.channel')}>${d.channel ? t(`case.channel.${d.channel}`) : null}</${Detail}>
        <${Detail} label=${t('case.entry.to')}>${d.to}</${Detail}>
        <${Text} text=${d.public_text || d.text} />`;
    case 'note':
      return html`<${Text} text=${d.text} />`;
    case 'status_changed':
      return html`
        <${Detail} label=${t('case.entry.change')}>${d.from ? `${statusName(d.from, statusNames)} → ` : ''}${statusName(d.status, statusNames)}</${Detail}>
        <${Detail} label=${t('case.entry.reason')}>${d.reason === 'reply' ? t('case.reason.reply')
          : d.reason === 'reply_reopened' ? t('case.reason.reply_reopened')
            : d.reason === 'citizen_answered' ? t('case.reason.citizen_answered') : d.reason}</${Detail}>
        <${Text} label=${t('case.entry.to_citizen')} text=${d.public_text} />`;
    case 'assigned':
      return html`<${Detail} label=${t('case.entry.change')}>${personName(d.previous, names)} → ${personName(d.assignee, names)}</${Detail}>`;
    case 'routed':
      return html`
        <${Detail} label=${t('case.entry.from_department')}>${departments[d.from] || d.from}</${Detail}>
        <${Detail} label=${t('case.entry.reason')}>${d.reason}</${Detail}>`;
    case 'referred':
      return html`
        <${Detail} label=${t('case.entry.to')}>${d.email}</${Detail}>
        <${Detail} label=${t('case.entry.contact_shared')}>${d.include_contact ? t('case.yes') : t('case.no')}</${Detail}>
        <${Text} text=${d.message} />`;
    case 'merged':
    case 'merged_from':
    case 'linked':
      return html`
        <${Detail} label=${t('case.entry.other_case')}><${CaseLink} number=${d.case || d.into || d.from_case} /></${Detail}>
        <${Detail} label=${t('case.entry.reason')}>${d.reason}</${Detail}>`;
    case 'escalated':
    case 'deleted':
      return html`<${Detail} label=${t('case.entry.reason')}>${d.reason}</${Detail}>`;
    case 'delivery_failed':
      return html`
        <${Detail} label=${t('case.entry.to')}>${d.to}</${Detail}>
        <${Detail} label=${t('case.entry.reason')}>${d.reason}</${Detail}>`;
    case 'attachment_refused':
      return html`<${Detail} label=${t('case.entry.file')}>${d.filename} (${t(`case.refused.${d.reason}`)})</${Detail}>`;
    case 'notification':
      return html`<${Detail} label=${t('case.entry.to')}>${d.to}</${Detail}>`;
    default:
      return null;
  }
}

function Entry({ entry, ctx }) {
  const internal = !entry.public && INTERNAL_MARK.has(entry.kind);
  return html`<li class=${`entry entry-${entry.kind}${entry.public ? ' public' : ''}`} data-entry=${entry.id}>
    <p class="entry-head">
      <strong>${entry.text}</strong>
      ${internal ? html` <span class="badge">${t('case.internal')}</span>` : null}
    </p>
    <p class="meta">${actorName(entry.actor, ctx.names)} · <${When} at=${entry.at} /></p>
    <${EntryBody} entry=${entry} ctx=${ctx} />
  </li>`;
}

function TrailGroup({ entries, ctx }) {
  const first = entries[0];
  const last = entries[entries.length - 1];
  return html`<li class="entry entry-trail">
    <details>
      <summary>${t('case.trail.summary', { count: entries.length })}
        <span class="muted"> · <${When} at=${first.at} />${entries.length > 1 ? html` – <${When} at=${last.at} />` : null}</span>
      </summary>
      <ul class="timeline timeline-trail">
        ${entries.map((entry) => html`<${Entry} key=${entry.id} entry=${entry} ctx=${ctx} />`)}
      </ul>
    </details>
  </li>`;
}

const FILTERS = ['all', 'messages', 'internal'];

function matches(entry, filter) {
  if (filter === 'messages') return ['message_in', 'message_out', 'referred', 'case_opened'].includes(entry.kind);
  if (filter === 'internal') return !entry.public;
  return true;
}

/** `ctx`: `{names, statusNames, departments, onOpenAttachment}`. */
export function Timeline({ caseFile, ctx }) {
  const [filter, setFilter] = useState('all');
  const entries = caseFile.timeline.filter((entry) => matches(entry, filter));
  const groups = groupTimeline(entries);
  return html`<section class="card" aria-labelledby="case-timeline-title">
    <div class="timeline-head">
      <h2 id="case-timeline-title">${t('case.timeline', { count: caseFile.timeline.length })}</h2>
      <div class="inline timeline-filter">
        <label for="case-timeline-filter">${t('case.timeline.show')}</label>
        <select id="case-timeline-filter" value=${filter} onChange=${(e) => setFilter(e.currentTarget.value)}>
          ${FILTERS.map((f) => html`<option value=${f}>${t(`case.timeline.filter.${f}`)}</option>`)}
        </select>
      </div>
    </div>
    ${caseFile.trail_complete === false ? html`<p class="muted">${t('case.trail.incomplete')}</p>` : null}
    ${groups.length === 0 ? html`<p class="muted">${t('case.timeline.empty')}</p>` : null}
    <ol class="timeline case-timeline">
      ${groups.map((group) => (group.trail
        ? html`<${TrailGroup} key=${group.entries[0].id} entries=${group.entries} ctx=${ctx} />`
        : html`<${Entry} key=${group.entries[0].id} entry=${group.entries[0]} ctx=${ctx} />`))}
    </ol>
  </section>`;
}
