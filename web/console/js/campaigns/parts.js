// What the campaign screens share (screens/campaigns*.js): their texts, the API's paths, the
// state badge, the progress bar, the tables of counts, and the SMS counter computed the way the
// server counts (domain/sms.py: GSM-7 160/153 septets, the extension table counting twice,
// otherwise UCS-2 70/67 code units). The server's estimate (after the municipality's SMS policy
// rewrote the typography) is the figure that counts; this one follows the typing.
import { html } from '../lib.js';
import { t, register, formatNumber, LANGUAGE_NAMES } from '../i18n.js';
import messages from '../messages/campaigns.js';

register(messages);

export const BASE = '/v1/admin/campaigns';
export const STATES = ['draft', 'submitted', 'approved', 'scheduled', 'sending', 'completed', 'cancelled'];
export const RECIPIENT_STATES = ['queued', 'sent', 'delivered', 'bounced', 'failed', 'unreachable', 'cancelled'];
export const OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'no_number', 'visited', 'declined'];
export const CHANNELS = ['email', 'sms'];
/** States in which the campaign still changes by itself: the follow screen polls. */
export const LIVE = ['scheduled', 'sending'];

export function campaignPath(id, rest = '') {
  return `${BASE}/${encodeURIComponent(id)}${rest}`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge campaign-state-${state}`}>${t(`campaigns.state.${state}`)}</span>`;
}

export function RecipientBadge({ state }) {
  return html`<span class=${`badge campaign-recipient-${state}`}>${t(`campaigns.recipient.${state}`)}</span>`;
}

export function languageName(lang) {
  return LANGUAGE_NAMES[lang] || lang || '–';
}

const GSM_BASIC = new Set(Array.from('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
  + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'));
const GSM_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

/** `{encoding, parts, characters}` of an SMS text as typed. */
export function smsCount(text) {
  const chars = Array.from(text || '');
  if (!chars.length) return { encoding: 'GSM-7', parts: 0, characters: 0 };
  if (chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c))) {
    // A part never ends between an escape and its character: count part by part.
    let parts = 1;
    let used = 0;
    const total = chars.reduce((n, c) => n + (GSM_EXTENSION.has(c) ? 2 : 1), 0);
    if (total <= 160) return { encoding: 'GSM-7', parts: 1, characters: total };
    for (const c of chars) {
      const size = GSM_EXTENSION.has(c) ? 2 : 1;
      if (used + size > 153) { parts += 1; used = 0; }
      used += size;
    }
    return { encoding: 'GSM-7', parts, characters: total };
  }
  const units = (text || '').length; // UTF-16 code units: an emoji takes two
  if (units <= 70) return { encoding: 'UCS-2', parts: 1, characters: units };
  return { encoding: 'UCS-2', parts: Math.ceil(units / 67), characters: units };
}

/** The share done as a bar with its words (a `progress` element has its label). */
export function Progress({ campaign, id = 'campaign-progress' }) {
  const p = campaign.progress || {};
  const done = (p.recipients || 0) - (p.open || 0);
  return html`<div class="campaign-progress">
    <label for=${id}>${p.planned || p.recipients
      ? t('campaigns.progress.words', { done: formatNumber(done), count: p.recipients || 0, total: formatNumber(p.recipients || 0), percent: formatNumber(p.percent_done || 0) })
      : t('campaigns.progress.not_planned')}</label>
    <progress id=${id} max="100" value=${p.percent_done || 0}>${formatNumber(p.percent_done || 0)} %</progress>
  </div>`;
}

/** A table of counts: rows (`[key, label]`), columns (`[key, label]`), `value(row, column)`. */
export function CountTable({ caption, rows, columns, value, rowHead }) {
  if (!rows.length) return null;
  return html`<div class="table-wrap"><table class="campaign-counts">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${rowHead}</th>${columns.map(([, label]) => html`<th scope="col" class="num">${label}</th>`)}</tr></thead>
    <tbody>${rows.map(([key, label]) => html`<tr key=${key}><th scope="row">${label}</th>
      ${columns.map(([column]) => html`<td class="num">${formatNumber(value(key, column) || 0)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}
