// The "Report a problem" button for the municipality's service pages (issue 16, item 6). One
// script tag on any page, with the portal's address in its src:
//
//   <script src="<portal>/assets/report-button.js" data-service="komunalno"
//           data-category="street_lighting" data-lang="sr-Latn" defer></script>
//
// draws a button where the tag stands (or into the element `data-target` names) that opens the
// portal's report form in a modal <dialog>: the form is the portal's own page in an iframe,
// with the service, category and language preset and the host page recorded as the case's
// `source_page`. Why an iframe and a shadow root (docs/decisions.md, 2026-12-01, "The button
// for service pages"): the host's CSS reaches neither the button nor the form, the form's
// script and API calls stay on the portal's origin (no CORS, no token on the host page), and
// the host's own CSP needs nothing but this script. The dialog is modal (the page behind it is
// inert: the focus stays in it), labelled by its heading, closed by Escape or its button, and
// gives the focus back to the button. The form says "sent" with postMessage to the host's
// origin only; this script takes a message only from the portal's origin and its own frame,
// and passes it on as a `civicdesk:sent` event on the button's host element.
//
// A classic script, not a module: it runs on pages the portal does not control.
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const scriptUrl = new URL(script.src, window.location.href);
  const portal = new URL('..', scriptUrl); // <portal>/assets/report-button.js -> <portal>/
  const portalOrigin = portal.origin;

  const TEXTS = {
    'sr-Cyrl': { open: 'Пријавите проблем', title: 'Пријава проблема', close: 'Затвори', frame: 'Образац за пријаву проблема', sent: 'Послато: предмет {number}' },
    'sr-Latn': { open: 'Prijavite problem', title: 'Prijava problema', close: 'Zatvori', frame: 'Obrazac za prijavu problema', sent: 'Poslato: predmet {number}' },
    bg: { open: 'Подайте сигнал', title: 'Подаване на сигнал', close: 'Затвори', frame: 'Формуляр за подаване на сигнал', sent: 'Изпратено: преписка {number}' },
    cs: { open: 'Nahlásit problém', title: 'Nahlášení problému', close: 'Zavřít', frame: 'Formulář pro nahlášení problému', sent: 'Odesláno: podání {number}' },
    en: { open: 'Report a problem', title: 'Report a problem', close: 'Close', frame: 'Report form', sent: 'Sent: case {number}' },
  };
  const lang = TEXTS[script.dataset.lang] ? script.dataset.lang : (TEXTS[document.documentElement.lang] ? document.documentElement.lang : 'sr-Cyrl');
  const text = TEXTS[lang];

  const CSS = `
    :host { all: initial; display: inline-block; }
    .open { font: 600 1rem/1.3 system-ui, sans-serif; color: #fff; background: #0b5394; border: 2px solid #0b5394;
            border-radius: 6px; padding: .6em 1.1em; cursor: pointer; }
    .open:hover { background: #073763; }
    .open:focus-visible, .close:focus-visible { outline: 3px solid #f1c232; outline-offset: 2px; }
    dialog { width: min(52rem, 96vw); height: min(56rem, 92vh); padding: 0; border: 0; border-radius: 8px;
             box-shadow: 0 8px 40px rgba(0,0,0,.35); font: 1rem/1.4 system-ui, sans-serif; color: #1b1b1b; background: #fff; }
    dialog::backdrop { background: rgba(0, 0, 0, .55); }
    .frame { display: flex; flex-direction: column; height: 100%; }
    header { display: flex; align-items: center; justify-content: space-between; gap: 1rem;
             padding: .5rem .75rem .5rem 1rem; border-bottom: 1px solid #d0d7de; }
    h2 { margin: 0; font-size: 1.15rem; }
    .close { font: inherit; background: #fff; color: #1b1b1b; border: 2px solid #57606a; border-radius: 6px;
             padding: .35em .8em; cursor: pointer; }
    iframe { flex: 1; width: 100%; border: 0; }
    .status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** The host page's address without its query and fragment (they may carry a session). */
  function sourcePage() {
    return `${window.location.origin}${window.location.pathname}`;
  }

  function formUrl() {
    const url = new URL('index.html', portal);
    url.searchParams.set('embed', '1');
    url.searchParams.set('lang', lang);
    if (script.dataset.service) url.searchParams.set('service', script.dataset.service);
    if (script.dataset.category) url.searchParams.set('category', script.dataset.category);
    if (script.dataset.type) url.searchParams.set('type', script.dataset.type);
    url.searchParams.set('source_page', sourcePage());
    url.searchParams.set('host', window.location.origin);
    return url.href;
  }

  const host = el('span', { class: 'civicdesk-report', 'data-portal': portalOrigin });
  const root = host.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS); // not an inline <style>: the host page's CSP needs no 'unsafe-inline'
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el('style', {}, CSS));
  }

  const open = el('button', { type: 'button', class: 'open', 'aria-haspopup': 'dialog' }, script.dataset.label || text.open);
  const titleId = 'civicdesk-report-title';
  const close = el('button', { type: 'button', class: 'close' }, text.close);
  const frameHolder = el('div', { class: 'frame' },
    el('header', {}, el('h2', { id: titleId }, text.title), close));
  const dialog = el('dialog', { 'aria-labelledby': titleId, lang }, frameHolder);
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  root.append(open, dialog, status);

  let frame = null;

  open.addEventListener('click', () => {
    if (!frame) {
      // Loaded on first use: a service page does not pay for the form until someone reports.
      frame = el('iframe', { src: formUrl(), title: text.frame, allow: 'geolocation' });
      frameHolder.append(frame);
    }
    dialog.showModal();
    close.focus();
  });
  close.addEventListener('click', () => dialog.close());
  // Escape closes a modal dialog by itself ("cancel", then "close"); the focus goes back.
  dialog.addEventListener('close', () => open.focus());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  window.addEventListener('message', (event) => {
    if (event.origin !== portalOrigin || !frame || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data && typeof data === 'object' && data.type === 'civicdesk:close') {
      dialog.close(); // Escape pressed inside the form
      return;
    }
    if (!data || typeof data !== 'object' || data.type !== 'civicdesk:sent') return;
    const number = typeof data.number === 'string' ? data.number.slice(0, 20) : '';
    status.textContent = text.sent.replace('{number}', number);
    host.dataset.sentNumber = number;
    host.dispatchEvent(new CustomEvent('civicdesk:sent', { bubbles: true, composed: true, detail: { number } }));
  });

  const target = script.dataset.target ? document.querySelector(script.dataset.target) : null;
  if (target) target.append(host);
  else script.after(host);
})();
