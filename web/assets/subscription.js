// subscription.html: confirm following a case, or stop a case's mails, from a mail's link
// (?action=confirm|unsubscribe&case=&id=&token=&lang=). Opening the page changes nothing: mail
// scanners open links too. Only the button sends the request.

import { page, startPage, announce, focusElement, pageUrl } from './page.js';
import { confirmSubscription, unsubscribe } from './api.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(window.location.search);
const number = (query.get('case') || '').trim();
const id = (query.get('id') || '').trim();
const token = (query.get('token') || '').trim();

const ACTIONS = {
  confirm: { intro: 'subConfirmIntro', button: 'subConfirmButton', send: confirmSubscription },
  unsubscribe: { intro: 'subUnsubscribeIntro', button: 'subUnsubscribeButton', send: unsubscribe },
};
const action = Object.prototype.hasOwnProperty.call(ACTIONS, query.get('action')) ? ACTIONS[query.get('action')] : null;
const complete = Boolean(action && number && id && token);

const button = $('sub-button');
let ready = false; // the municipality (and so the language) is known
let busy = false;
let outcome = null; // {state} once answered, {errorKey, params, final} after a failure

function doneKey(state) {
  if (state === 'confirmed') return 'subConfirmed';
  if (state === 'unsubscribed') return action === ACTIONS.confirm ? 'subEnded' : 'subUnsubscribed';
  return action.intro; // still pending: say again what the button does
}

function render() {
  $('sub-invalid').hidden = complete;
  if (!complete || !ready) return;
  const answered = outcome && outcome.state;
  const failedFinally = outcome && outcome.final;
  $('sub-question').textContent = page.t(action.intro, { number });
  $('sub-ask').hidden = Boolean(answered || failedFinally);
  button.textContent = page.t(busy ? 'subWorking' : action.button);
  button.disabled = busy;

  $('sub-done').hidden = !answered;
  if (answered) $('sub-done-text').textContent = page.t(doneKey(outcome.state), { number });
  const failed = Boolean(outcome && outcome.errorKey);
  $('sub-error').hidden = !failed;
  if (failed) $('sub-error-text').textContent = page.t(outcome.errorKey, outcome.params);

  // A follower's way back to the (public) case; an unsubscribe link may be a private case's.
  $('sub-case').hidden = action !== ACTIONS.confirm;
  $('sub-case-link').setAttribute('href', pageUrl('track.html', { number }));
}

function failure(err) {
  // 400 (a damaged token) and 404 (unknown, expired, wrong token) mean the same to a reader:
  // this link does not work, and trying again will not help.
  if (err.status === 400 || err.status === 404) return { errorKey: 'subNotFound', final: true };
  if (err.status === 0) return { errorKey: 'subNetwork' };
  return { errorKey: 'errorGeneric', params: { status: err.status } };
}

async function send() {
  if (busy || !complete) return;
  busy = true;
  outcome = null;
  render();
  try {
    const answer = await action.send(number, id, token, page.lang);
    outcome = { state: typeof answer.state === 'string' ? answer.state : '' };
  } catch (err) {
    outcome = failure(err);
  }
  busy = false;
  render();
  const shown = outcome.state ? $('sub-done') : $('sub-error');
  focusElement(shown);
  announce(shown.textContent.trim());
}

button.addEventListener('click', send);

startPage({
  titleKey: 'subTitle',
  loadData: async () => ({}),
  render: () => {
    ready = true;
    render();
  },
  onTexts: render,
});
