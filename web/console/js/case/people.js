// Who did what on a case: `staff:<username>` by the colleague's name (GET /v1/admin/staff),
// citizens by their address, the system's own actors named in the staff member's language.
import { t } from '../i18n.js';

const SYSTEM_ACTORS = ['notify', 'ses', 'delivery', 'mail', 'auto_reply'];

/** `{username: name}` of the staff list's answer. */
export function staffNames(staff) {
  const names = {};
  for (const member of staff?.items || []) names[member.username] = member.name || member.username;
  return names;
}

/** The staff member `username` by name (the username itself when the list does not have them). */
export function personName(username, names) {
  if (!username) return t('case.nobody');
  return names[username] || username;
}

/** An entry's actor as people read it. */
export function actorName(actor, names) {
  const text = String(actor || '');
  const [kind, ...rest] = text.split(':');
  const detail = rest.join(':');
  if (kind === 'staff') return personName(detail, names);
  if (kind === 'citizen') {
    const [channel, ...address] = detail.split(':');
    const who = address.join(':');
    return who ? t('case.actor.citizen_at', { address: who }) : t('case.actor.citizen', { channel: t(`case.channel.${channel}`) });
  }
  if (kind === 'system') {
    return SYSTEM_ACTORS.includes(detail) ? t(`case.actor.system.${detail}`) : t('case.actor.system');
  }
  return text;
}
