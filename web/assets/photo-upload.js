// Photos and documents on the report form (web/index.html, docs/photos.md). Each chosen file
// goes straight to S3: POST /v1/public/uploads signs a POST for it, the browser posts the file
// there with its progress shown, and the report names the upload ids (`attachments`). A
// JPEG's GPS position is offered as the report's place: the form gets a cancelable
// `civicdesk:photo-location` event ({lat, lon, filename}); a map that takes it calls
// preventDefault(), otherwise the empty latitude and longitude inputs are filled.

import { h } from './dom.js';
import { page, announce } from './page.js';
import { STRINGS } from './i18n.js';
import { PHOTO_STRINGS } from './photo-texts.js';
import { jpegGps } from './photo-exif.js';

for (const [lang, texts] of Object.entries(PHOTO_STRINGS)) Object.assign(STRINGS[lang], texts);

const TYPES = {
  'image/jpeg': 'image/jpeg', 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg',
  'image/png': 'image/png', 'image/webp': 'image/webp',
  'image/heic': 'image/heic', 'image/heif': 'image/heic', 'application/pdf': 'application/pdf',
};
const EXTENSIONS = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp',
  heic: 'image/heic', heif: 'image/heic', pdf: 'application/pdf' };
const PREVIEW = new Set(['image/jpeg', 'image/png', 'image/webp']);
const EXIF_BYTES = 65536 + 64;

function plural(key, count) {
  const rules = new Intl.PluralRules(page.lang.startsWith('sr') ? 'sr' : page.lang);
  return page.t(`${key}_${rules.select(count)}`, { count });
}

function megabytes(bytes) {
  return String(Math.round(bytes / 1048576));
}

function sizeText(bytes) {
  const locale = page.lang === 'en' ? 'en-GB' : page.lang;
  if (bytes < 1048576) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.max(1, bytes / 1024))} KB`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytes / 1048576)} MB`;
}

/** The file's type as the server names it: the browser's, else by its extension (HEIC often has none). */
function typeOf(file) {
  const claimed = TYPES[(file.type || '').toLowerCase()];
  if (claimed) return claimed;
  const extension = (file.name.split('.').pop() || '').toLowerCase();
  return file.type ? null : EXTENSIONS[extension] || null;
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST', credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json; charset=utf-8', 'Accept-Language': page.lang },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    const field = Array.isArray(error.fields) && error.fields[0];
    throw new Error((field && field.message) || error.message || String(response.status));
  }
  return data;
}

/** POST the file to S3 with the signed fields; `onProgress(fraction)`. */
function postToStore(signed, file, type, onProgress) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(signed.fields || {})) data.append(name, value);
    data.append('file', new File([file], file.name, { type }));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', signed.url);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(String(xhr.status)))));
    xhr.addEventListener('error', () => reject(new Error('network')));
    xhr.addEventListener('abort', () => reject(new Error('aborted')));
    xhr.send(data);
  });
}

/**
 * Mounts the chooser in `root` (the fieldset of index.html). Returns what form.js needs:
 * `uploadIds()` (the finished uploads, in order), `ready()` (a promise that settles when no
 * upload is running; true if every listed file is uploaded), `reset()` and `retranslate()`.
 */
export function mountPhotoUpload(root, form) {
  const input = root.querySelector('input[type=file]');
  const hint = root.querySelector('.photo-hint');
  const error = root.querySelector('.field-error');
  const list = root.querySelector('.photo-list');
  const offer = root.querySelector('.photo-offer');
  const offerButton = offer.querySelector('button');
  let limits = { maxBytes: 10 * 1048576, maxFiles: 3 };
  let items = [];
  let errorMessage = null; // {key, params} | {plural, count} | {text}
  let offered = null; // {lat, lon, filename}
  const running = []; // the uploads' promises, until ready() collects them

  function renderHint() {
    hint.textContent = page.t('photoHint', { size: megabytes(limits.maxBytes), files: plural('photoFiles', limits.maxFiles) });
  }

  function renderError() {
    if (!errorMessage) {
      error.hidden = true;
      error.replaceChildren();
      input.removeAttribute('aria-invalid');
      return;
    }
    let text = errorMessage.text;
    if (errorMessage.plural) text = plural(errorMessage.plural, errorMessage.count);
    else if (errorMessage.key) text = page.t(errorMessage.key, errorMessage.params);
    error.replaceChildren(h('span', { class: 'visually-hidden', text: page.t('errorPrefix') }), ` ${text}`);
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  }

  function statusText(item) {
    if (item.state === 'failed') return item.message ? `${page.t('photoFailed', { name: item.file.name })} ${item.message}` : page.t('photoFailed', { name: item.file.name });
    if (item.state === 'done') return page.t('photoUploaded', { name: item.file.name });
    return page.t('photoUploading', { name: item.file.name });
  }

  function renderItem(item) {
    const preview = item.preview
      ? item.preview
      : h('span', { class: 'photo-thumb photo-thumb-none', 'aria-hidden': 'true', text: item.type === 'application/pdf' ? 'PDF' : 'HEIC' });
    const progress = h('progress', { max: '100', value: String(Math.round(item.progress * 100)), 'aria-label': page.t('photoProgress', { name: item.file.name }) });
    const remove = h('button', { type: 'button', class: 'button secondary photo-remove', text: page.t('photoRemove', { name: item.file.name }) });
    remove.addEventListener('click', () => removeItem(item));
    const kind = item.type === 'application/pdf' ? page.t('photoPdf') : (item.preview ? '' : page.t('photoNoPreview'));
    return h('li', { class: `photo-item photo-${item.state}`, 'data-upload': item.uploadId || '' },
      preview,
      h('div', { class: 'photo-meta' },
        h('p', { class: 'photo-name', text: item.file.name }),
        h('p', { class: 'hint', text: [sizeText(item.file.size), kind].filter(Boolean).join(' · ') }),
        item.state === 'uploading' ? progress : null,
        h('p', { class: item.state === 'failed' ? 'photo-status field-error' : 'photo-status', text: statusText(item) })),
      remove);
  }

  function render() {
    list.replaceChildren(...items.map(renderItem));
    list.hidden = !items.length;
    offer.hidden = !offered;
    if (offered) offerButton.textContent = page.t('photoUseLocation');
  }

  function removeItem(item) {
    const index = items.indexOf(item);
    if (index < 0) return;
    items.splice(index, 1);
    if (offered && offered.item === item) offered = null;
    errorMessage = null;
    renderError();
    render();
    announce(page.t('photoRemoved', { name: item.file.name }));
    // focus stays in the list: the next remove button, else the chooser
    const buttons = list.querySelectorAll('.photo-remove');
    (buttons[Math.min(index, buttons.length - 1)] || input).focus();
  }

  function latLonInputs() {
    return [form.querySelector('[name=lat]'), form.querySelector('[name=lon]')];
  }

  function useLocation(found, filename) {
    const event = new CustomEvent('civicdesk:photo-location', { bubbles: true, cancelable: true, detail: { lat: found.lat, lon: found.lon, filename } });
    if (!form.dispatchEvent(event)) return true; // a map took it
    const [lat, lon] = latLonInputs();
    if (!lat || !lon) return false;
    lat.value = found.lat.toFixed(6);
    lon.value = found.lon.toFixed(6);
    announce(page.t('photoLocationFilled', { name: filename }));
    return true;
  }

  /** A thumbnail drawn on a canvas: decoded from the file itself (createImageBitmap), so the
   *  page's self-only CSP (img-src 'self') needs no blob: or data: URL. */
  async function drawPreview(item) {
    if (!PREVIEW.has(item.type) || typeof createImageBitmap !== 'function') return;
    const bitmap = await createImageBitmap(item.file);
    const side = 192;
    const scale = Math.max(side / bitmap.width, side / bitmap.height);
    const canvas = h('canvas', { class: 'photo-thumb', width: side, height: side, role: 'img', 'aria-label': item.file.name });
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, (side - bitmap.width * scale) / 2, (side - bitmap.height * scale) / 2, bitmap.width * scale, bitmap.height * scale);
    bitmap.close();
    item.preview = canvas;
    if (items.includes(item)) render();
  }

  async function readLocation(item) {
    if (item.type !== 'image/jpeg') return;
    const found = jpegGps(await item.file.slice(0, EXIF_BYTES).arrayBuffer());
    if (!found) return;
    const [lat, lon] = latLonInputs();
    const empty = !lat || !lon || (!lat.value.trim() && !lon.value.trim());
    if (empty && useLocation(found, item.file.name)) return;
    offered = { ...found, filename: item.file.name, item };
    render();
  }

  async function upload(item) {
    try {
      const signed = await postJson('/v1/public/uploads', { filename: item.file.name, content_type: item.type, size: item.file.size });
      limits = { maxBytes: signed.max_bytes || limits.maxBytes, maxFiles: signed.max_files || limits.maxFiles };
      renderHint();
      await postToStore(signed, item.file, item.type, (fraction) => {
        item.progress = fraction;
        const bar = list.querySelector(`li:nth-child(${items.indexOf(item) + 1}) progress`);
        if (bar) bar.value = Math.round(fraction * 100);
      });
      item.uploadId = signed.upload_id;
      item.state = 'done';
      announce(page.t('photoUploaded', { name: item.file.name }));
    } catch (err) {
      if (!items.includes(item)) return;
      item.state = 'failed';
      item.message = err && err.message && !/^\d+$|^network$|^aborted$/.test(err.message) ? err.message : '';
      announce(statusText(item));
    }
    if (items.includes(item)) render();
  }

  function add(files) {
    errorMessage = null;
    const added = [];
    for (const file of files) {
      const type = typeOf(file);
      if (!type) {
        errorMessage = { key: 'photoTypeRefused', params: { name: file.name } };
        continue;
      }
      if (file.size > limits.maxBytes) {
        errorMessage = { key: 'photoTooLarge', params: { name: file.name, size: megabytes(limits.maxBytes) } };
        continue;
      }
      if (items.length + added.length >= limits.maxFiles) {
        errorMessage = { plural: 'photoTooMany', count: limits.maxFiles };
        break;
      }
      added.push({ file, type, state: 'uploading', progress: 0, uploadId: null, preview: null });
    }
    items = [...items, ...added];
    renderError();
    render();
    if (errorMessage) announce(error.textContent);
    for (const item of added) {
      drawPreview(item).catch(() => null);
      readLocation(item).catch(() => null);
      running.push(upload(item));
    }
  }

  input.addEventListener('change', () => {
    add(Array.from(input.files || []));
    input.value = ''; // choosing the same file again adds it again
  });

  offerButton.addEventListener('click', () => {
    if (!offered) return;
    const chosen = offered;
    offered = null;
    const [lat, lon] = latLonInputs();
    if (!useLocation(chosen, chosen.filename) && lat && lon) {
      lat.value = chosen.lat.toFixed(6);
      lon.value = chosen.lon.toFixed(6);
    }
    render();
    input.focus();
  });

  renderHint();
  render();

  return {
    uploadIds: () => items.filter((item) => item.state === 'done').map((item) => item.uploadId),
    /** Settles when nothing is uploading; true when every listed file is uploaded. */
    async ready() {
      if (items.some((item) => item.state === 'uploading')) announce(page.t('photoWaiting'));
      await Promise.allSettled(running.splice(0));
      return items.every((item) => item.state === 'done');
    },
    /** Shows a server refusal of `attachments` (its message) at the chooser. */
    showError(message) {
      errorMessage = message ? { text: message } : null;
      renderError();
    },
    reset() {
      items = [];
      offered = null;
      errorMessage = null;
      renderError();
      render();
    },
    retranslate() {
      renderHint();
      if (errorMessage && !errorMessage.text) renderError();
      render();
    },
  };
}
