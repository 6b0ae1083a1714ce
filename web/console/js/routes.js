// Every screen of the console: its path, its menu entry (`nav`: the text key, `order` in the
// menu) and who may open it (`allowed(can)`, from the permissions of GET /v1/admin/me; the server
// decides again on every call). A new screen is one line here and one file in screens/.
import { ProfileScreen } from './screens/profile.js';
import { IntakeScreen } from './screens/intake.js';

import { QueueScreen } from './screens/queue.js';
import { SearchScreen } from './screens/search.js';
import { StaffScreen } from './screens/staff.js';
import { CannedRepliesScreen } from './screens/canned_replies.js';
import { QuarantineScreen } from './screens/quarantine.js';
import { SuppressionsScreen } from './screens/suppressions.js';
import { CaseScreen } from './screens/case.js';

export const ROUTES = [
  { path: '/intake', screen: IntakeScreen, nav: 'nav.intake', order: 5, allowed: (can) => can('case.open') },

  { path: '/cases', screen: QueueScreen, nav: 'nav.cases', order: 10, allowed: (can) => can('case.view') },
  { path: '/search', screen: SearchScreen, allowed: (can) => can('case.view') },
  { path: '/staff', screen: StaffScreen, nav: 'nav.staff', order: 40, allowed: (can) => can('staff.list') },
  { path: '/canned-replies', screen: CannedRepliesScreen, nav: 'nav.canned_replies', order: 50, allowed: (can) => can('case.reply') || can('canned_reply.manage') },
  { path: '/quarantine', screen: QuarantineScreen, nav: 'nav.quarantine', order: 60, allowed: (can) => can('quarantine.view') },
  { path: '/suppressions', screen: SuppressionsScreen, nav: 'nav.suppressions', order: 70, allowed: (can) => can('suppression.manage') },
  { path: '/profile', screen: ProfileScreen, nav: 'nav.profile', order: 90, allowed: () => true },
  { path: '/cases/:number', screen: CaseScreen, nav: null, order: 0, allowed: (can) => can('case.view') },
];

export function findRoute(path) {
  for (const route of ROUTES) {
    const want = route.path.split('/').filter(Boolean);
    const got = path.split('/').filter(Boolean);
    if (want.length !== got.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i += 1) {
      if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
      else ok = want[i] === got[i];
    }
    if (ok) return { route, params };
  }
  return null;
}
