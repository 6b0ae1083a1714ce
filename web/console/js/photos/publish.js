// "Publish photo" / "Withdraw" on a citizen's image attachment in the case screen
// (docs/photos.md): POST or DELETE /v1/admin/cases/{n}/attachments/{id}/publication. Offered
// to those whose role has `photo.publish`, on JPEG, PNG and WebP files of a public case; the
// server decides anyway. The published copy carries no metadata.
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t, register } from '../i18n.js';
import { useSession, errorText } from '../ui.js';
import messages from '../messages/photos.js';

register(messages);

const PUBLISHABLE = new Set(['image/jpeg', 'image/png', 'image/webp']);

/** Whether the case's `published_photos` holds attachment `id`'s copy. */
export function isPublished(caseFile, id) {
  return (caseFile.published_photos || []).some((path) => path.split('/').pop().split('.')[0] === id);
}

export function PhotoPublication({ file, caseFile, onDone }) {
  const { can } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const location = file.gps ? html`<span class="muted photo-gps"> ${t('photo.taken_at', {
    lat: Number(file.gps.lat).toFixed(5), lon: Number(file.gps.lon).toFixed(5) })}</span>` : null;
  if (!file.id || !PUBLISHABLE.has(file.content_type) || !caseFile.public || !can('photo.publish') || caseFile.deleted) return location;
  const published = isPublished(caseFile, file.id);
  const path = `/v1/admin/cases/${encodeURIComponent(caseFile.number)}/attachments/${encodeURIComponent(file.id)}/publication`;

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      if (published) await api.delete(path);
      else await api.post(path, {});
      onDone(t(published ? 'photo.done.withdrawn' : 'photo.done.published', { name: file.filename }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return html`${location}
    ${published ? html` <span class="badge">${t('photo.published')}</span>` : null}
    <button type="button" class=${`button-small ${published ? 'button-danger' : 'button-quiet'}`} disabled=${busy}
      data-photo=${file.id} onClick=${toggle}>
      ${busy ? t('photo.publishing') : t(published ? 'photo.withdraw' : 'photo.publish')}<span class="visually-hidden"> (${file.filename})</span>
    </button>
    ${error ? html`<span class="field-error" role="alert">${errorText(error)}</span>` : null}`;
}
