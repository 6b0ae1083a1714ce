// The page's title after a submit (issue 16, item 8): "Error: <page> — <municipality>" while a
// refused or failed submit is on screen, "Sent: case <number> — <municipality>" once it went
// through, the page's own title otherwise. The title is the first thing a screen reader says of
// a tab, and what the browser's history keeps: it must not claim the form is still unfilled.

let state = null; // null | { kind: 'error' } | { kind: 'sent', number }

/** Remember what the page shows now (`null`: neither an error nor a confirmation). */
export function setTitleState(next) {
  state = next;
}

/** The document title for the page titled `base` of the municipality `name`. */
export function titled(base, name, t) {
  if (state && state.kind === 'error') return `${t('errorPrefix')} ${base} — ${name}`;
  if (state && state.kind === 'sent') return `${t('portal_titleSent', { number: state.number })} — ${name}`;
  return `${base} — ${name}`;
}

/** Apply the state now, for the page titled `base` (a translated text). */
export function showTitle(next, base, municipality, t) {
  setTitleState(next);
  const name = (municipality && typeof municipality.name === 'string' && municipality.name) || 'CivicDesk';
  document.title = titled(base, name, t);
}
