// The search field of the queue's header: a case number typed whole opens the case at once;
// anything else opens the search screen (`#/search?q=`).
import { html, useState } from '../lib.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { useId } from '../ui.js';
import { CASE_NUMBER } from './data.js';

export function submitSearch(text) {
  const q = text.trim();
  if (!q) return;
  if (CASE_NUMBER.test(q)) navigate(`/cases/${q}`);
  else navigate('/search', { q });
}

export function SearchBox({ initial = "" }) {
  const [text, setText] = useState(initial);
  const id = useId('search');
  return html`<form role="search" class="search-box" onSubmit=${(e) => { e.preventDefault(); submitSearch(text); }}>
    <label for=${id} class="visually-hidden">${t('search.label')}</label>
    <input id=${id} type="search" name="q" value=${text} maxlength="200" autocomplete="off"
      placeholder=${t('search.placeholder')}
      onInput=${(e) => setText(e.currentTarget.value)} />
    <button type="submit">${t('search.submit')}</button>
  </form>`;
}
