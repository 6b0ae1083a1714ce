// "Follow with my account" on a public case's page (track.html, one hook in track.js): with a
// session of this tab (account-auth.js) one click follows the case, confirmed at once (the
// account's address is verified: PUT /v1/public/account/subscriptions/{number}); without one
// the page keeps its e-mail form only. Its few texts are here (track.html does not load
// account-texts.js).

import { STRINGS } from './i18n.js';
import { page, pageUrl, announce, focusElement } from './page.js';
import { h } from './dom.js';
import * as auth from './account-auth.js';

const FOLLOW_STRINGS = {
  "sr-Cyrl": {
    "accountFollowOneClick": "Прати из налога ({email})",
    "accountFollowedHere": "Пратите предмет {number}. Претплате су у вашем налогу.",
    "accountFollowFailed": "Праћење није успело. Покушајте поново."
  },
  "sr-Latn": {
    "accountFollowOneClick": "Prati iz naloga ({email})",
    "accountFollowedHere": "Pratite predmet {number}. Pretplate su u vašem nalogu.",
    "accountFollowFailed": "Praćenje nije uspelo. Pokušajte ponovo."
  },
  "bg": {
    "accountFollowOneClick": "Следи от профила ({email})",
    "accountFollowedHere": "Следите преписка {number}. Абонаментите са във вашия профил.",
    "accountFollowFailed": "Следенето не успя. Опитайте отново."
  },
  "cs": {
    "accountFollowOneClick": "Sledovat z účtu ({email})",
    "accountFollowedHere": "Sledujete podání {number}. Odběry najdete ve svém účtu.",
    "accountFollowFailed": "Sledování se nepodařilo. Zkuste to znovu."
  },
  "en": {
    "accountFollowOneClick": "Follow with my account ({email})",
    "accountFollowedHere": "You follow case {number}. Your subscriptions are in your account.",
    "accountFollowFailed": "Following did not work. Try again."
  }
};
for (const [lang, texts] of Object.entries(FOLLOW_STRINGS)) Object.assign(STRINGS[lang], texts);

/** Draws the one-click button into `box` for case `number` (a public case), or hides it. */
export function offerAccountFollow(number, box, isPublic) {
  if (!box) return;
  const session = auth.storedSession();
  if (!isPublic || !session || session.expiresAt <= Date.now() + 10_000) {
    box.hidden = true;
    return;
  }
  const button = h('button', { type: 'button', id: 'account-follow-button', class: 'button primary',
                               text: page.t('accountFollowOneClick', { email: session.email }) });
  const status = h('p', { id: 'account-follow-status', tabindex: '-1', hidden: true });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await auth.accountCall('PUT', `/v1/public/account/subscriptions/${encodeURIComponent(number)}?lang=${page.lang}`, {});
      status.replaceChildren(page.t('accountFollowedHere', { number }), ' ',
        h('a', { href: pageUrl('account.html'), text: page.t('navAccount') || 'account.html' }));
      button.hidden = true;
    } catch {
      status.replaceChildren(page.t('accountFollowFailed'));
      button.disabled = false;
    }
    status.hidden = false;
    focusElement(status);
    announce(status.textContent);
  });
  box.replaceChildren(button, status);
  box.hidden = false;
}
