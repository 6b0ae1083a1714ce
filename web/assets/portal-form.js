// The report form's parts of issue 16 (index.html, hooked into form.js by single calls):
// the titles after a failed and a successful submit, the confirmation as the page's main
// heading, and the form embedded in a service page's dialog (report-button.js): the service's
// category preset, the page it came from sent as `source_page`, and "sent" told to the host page.

import { page, focusElement } from './page.js';
import { showTitle } from './portal-title.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(window.location.search);

/** The host page when the form is embedded (`?embed=1&source_page=…&host=…`): its address
 * without query or fragment, and its origin, the only one "sent" is posted to. */
function embedding() {
  if (query.get('embed') !== '1' || window.parent === window) return null;
  try {
    const source = new URL(query.get('source_page') || '');
    const host = query.get('host') || '';
    if (!/^https?:$/.test(source.protocol) || source.origin !== host) return null;
    return { page: `${source.origin}${source.pathname}`, origin: source.origin };
  } catch (err) {
    return null; // no or a malformed host page: the form works as on its own page
  }
}

const embedded = embedding();
if (embedded) {
  document.documentElement.classList.add('is-embedded');
  // Escape in the frame never reaches the host page's dialog: ask it to close.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      window.parent.postMessage({ type: 'civicdesk:close' }, embedded.origin);
    }
  });
}

function heading(showForm) {
  $('page-title').hidden = !showForm;
  for (const el of document.querySelectorAll('#main .lead')) el.hidden = !showForm;
}

/** A submit was refused or failed: the title says so until the next submit or a new form. */
export function formFailed() {
  showTitle({ kind: 'error' }, page.t('formTitle'), page.municipality, page.t);
}

/** The case was opened: the confirmation is the page's main heading, focused; the title says
 * it was sent; an embedding page hears of it. */
export function formSent(answer) {
  heading(false);
  showTitle({ kind: 'sent', number: answer.number || '' }, page.t('formTitle'), page.municipality, page.t);
  focusElement($('success-title'));
  if (embedded) {
    for (const id of ['success-open', 'success-link']) {
      $(id).target = '_blank';
      $(id).rel = 'noopener';
    }
    // Only to the host page's origin, never '*': the number is no secret, the token stays here.
    window.parent.postMessage({ type: 'civicdesk:sent', number: answer.number || '' }, embedded.origin);
  }
}

/** "New report": the form's heading and title again. */
export function formReset() {
  heading(true);
  showTitle(null, page.t('formTitle'), page.municipality, page.t);
}

/** What the payload adds when the form is embedded in a service page. */
export function embedFields() {
  return embedded ? { source_page: embedded.page } : {};
}

/** The embedding page's category (`?category=`, else its service's default category,
 * `?service=`) and a type the category takes, chosen once the categories are known. */
let presetDone = false;
export function applyPreset(categories) {
  if (presetDone || !embedded) return;
  presetDone = true;
  const services = (page.municipality && page.municipality.services) || [];
  const service = services.find((s) => s && s.id === query.get('service'));
  const wanted = query.get('category') || (service && service.default_category) || '';
  const category = (categories || []).find((c) => c && c.id === wanted);
  if (!category) return;
  const typeSelect = $('f-type');
  const type = query.get('type') || (Array.isArray(category.types) ? category.types[0] : '');
  if ([...typeSelect.options].some((o) => o.value === type)) {
    typeSelect.value = type;
    typeSelect.dispatchEvent(new Event('change'));
  }
  const categorySelect = $('f-category');
  if ([...categorySelect.options].some((o) => o.value === category.id)) {
    categorySelect.value = category.id;
    categorySelect.dispatchEvent(new Event('change'));
  }
}

/** The host page's address, for the notice above the embedded form. */
export function embeddedPage() {
  return embedded ? embedded.page : null;
}

/** The municipality's phone number among the ways to reach it (the form's aside). */
export function renderPhone(aside) {
  const phone = page.municipality && page.municipality.phone;
  let block = $('phone-block');
  if (!phone) {
    if (block) block.remove();
    return;
  }
  if (!block) {
    block = document.createElement('section');
    block.id = 'phone-block';
    block.setAttribute('aria-labelledby', 'phone-title');
    const title = document.createElement('h3');
    title.id = 'phone-title';
    const line = document.createElement('p');
    line.className = 'phone-line';
    block.append(title, line);
    aside.insertBefore(block, $('hours-block'));
  }
  block.querySelector('h3').textContent = page.t('portal_phoneAside');
  const link = document.createElement('a');
  link.href = `tel:${String(phone).replace(/[^+0-9]/g, '')}`;
  link.textContent = phone;
  block.querySelector('p').replaceChildren(link);
  aside.hidden = false;
}
