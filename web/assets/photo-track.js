// The photos and documents of a case on the tracking page (web/track.html, docs/photos.md):
// with the token, every file the citizen sent (short-lived links: images shown, documents
// linked); without it, the photos staff published (copies without metadata).

import { h } from './dom.js';
import { page } from './page.js';
import { STRINGS } from './i18n.js';
import { PHOTO_STRINGS } from './photo-texts.js';

for (const [lang, texts] of Object.entries(PHOTO_STRINGS)) Object.assign(STRINGS[lang], texts);

let last = null; // {section, items, own}

function draw() {
  if (!last) return;
  const { section, items, own } = last;
  const title = section.querySelector('h3');
  title.textContent = page.t(own ? 'photoTrackTitle' : 'photoTrackPublic');
  const list = section.querySelector('ul');
  list.replaceChildren(...items.map((item) => {
    const label = page.t('photoOpen', { name: item.filename });
    const body = item.inline
      ? h('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer', class: 'photo-link' },
        h('img', { class: 'photo-thumb', src: item.url, alt: item.filename }),
        h('span', { class: 'visually-hidden', text: label }))
      : h('a', { href: item.url, rel: 'noopener noreferrer', text: label });
    return h('li', { class: 'photo-item' }, body,
      h('span', { class: 'photo-name', text: item.filename }),
      item.published && own ? h('span', { class: 'badge', text: page.t('photoPublished') }) : null);
  }));
  section.querySelector('.hint').hidden = !own;
  section.querySelector('.hint').textContent = page.t('photoLinksExpire');
  section.hidden = !items.length;
}

/** Loads and shows the files of case `number` in `section` (hidden when there are none). */
export async function showCasePhotos(section, number, token) {
  if (!section || !number) return;
  const query = new URLSearchParams();
  if (token) query.set('token', token);
  try {
    const response = await fetch(`/v1/public/cases/${encodeURIComponent(number)}/attachments?${query}`, {
      credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer', headers: { Accept: 'application/json' },
    });
    if (!response.ok) { section.hidden = true; return; }
    const data = await response.json();
    last = { section, items: Array.isArray(data.items) ? data.items : [], own: Boolean(token) };
    draw();
  } catch (err) {
    section.hidden = true; // the case itself is shown; its files are an extra
  }
}

/** Re-draws in the page's language. */
export function retranslateCasePhotos() {
  draw();
}
