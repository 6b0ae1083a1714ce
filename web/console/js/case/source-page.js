// The service page a case came from through its "Report a problem" button (`source_page` of
// the admin API's case view), as a fact of the case: a link that opens the page elsewhere.
import { html } from '../lib.js';
import { t, register } from '../i18n.js';
import messages from '../messages/portal.js';

register(messages);

/** The `<dt>`/`<dd>` pair, or nothing for a case that did not come through a button. */
export function SourcePageFact({ page }) {
  if (!page || !/^https?:\/\//.test(page)) return null;
  return html`<dt title=${t('portal.source_page.title')}>${t('portal.source_page')}</dt>
    <dd><a href=${page} target="_blank" rel="noopener noreferrer">${page}</a></dd>`;
}
