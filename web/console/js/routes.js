// Every screen of the console: its path, its menu entry (`nav`: the text key, `order` in the
// menu) and who may open it (`allowed(can)`, from the permissions of GET /v1/admin/me; the server
// decides again on every call). A new screen is one line here and one file in screens/.
import { ProfileScreen } from './screens/profile.js';
import { BoardScreen } from './screens/board.js';
import { CaseMapScreen } from './screens/casemap.js';

export const ROUTES = [
  { path: '/board', screen: BoardScreen, nav: 'nav.board', order: 20, allowed: (can) => can('feed.view') },
  { path: '/map', screen: CaseMapScreen, nav: 'nav.map', order: 30, allowed: (can) => can('case.view') },
  { path: '/profile', screen: ProfileScreen, nav: 'nav.profile', order: 90, allowed: () => true },
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
