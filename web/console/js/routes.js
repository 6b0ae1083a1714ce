// Every screen of the console: its path, its menu entry (`nav`: the text key, in
// messages/common.js so the menu has it before any screen is loaded; `order` in the menu) and who
// may open it (`allowed(can)`, from the permissions of GET /v1/admin/me; the server decides again
// on every call). A screen's module is loaded when it is first opened (`lazy`), so the first load
// carries only the frame. A new screen is one line here and one file in screens/.
import { html, useEffect, useState } from './lib.js';
import { Spinner, ErrorAlert } from './ui.js';

const loaded = new Map();

/** A screen whose module is imported on first use; `name` is the component it exports. */
function lazy(load, name) {
  function LazyScreen(props) {
    const [screen, setScreen] = useState(() => loaded.get(name) || null);
    const [error, setError] = useState(null);
    useEffect(() => {
      if (screen) return;
      load().then((module) => {
        loaded.set(name, module[name]);
        setScreen(() => module[name]);
      }, (caught) => setError(caught));
    }, []);
    if (error) return html`<${ErrorAlert} error=${{ status: 0, code: 'network' }} />`;
    if (!screen) return html`<${Spinner} />`;
    const Screen = screen;
    return html`<${Screen} ...${props} />`;
  }
  LazyScreen.preload = () => load();
  return LazyScreen;
}

export const ROUTES = [
  { path: '/intake', screen: lazy(() => import('./screens/intake.js'), 'IntakeScreen'), nav: 'nav.intake', order: 5, allowed: (can) => can('case.open') },
  { path: '/cases', screen: lazy(() => import('./screens/queue.js'), 'QueueScreen'), nav: 'nav.cases', order: 10, allowed: (can) => can('case.view') },
  { path: '/search', screen: lazy(() => import('./screens/search.js'), 'SearchScreen'), allowed: (can) => can('case.view') },
  { path: '/board', screen: lazy(() => import('./screens/board.js'), 'BoardScreen'), nav: 'nav.board', order: 20, allowed: (can) => can('feed.view') },
  { path: '/map', screen: lazy(() => import('./screens/casemap.js'), 'CaseMapScreen'), nav: 'nav.map', order: 30, allowed: (can) => can('case.view') },
  { path: '/stats', screen: lazy(() => import('./screens/stats.js'), 'StatsScreen'), nav: 'nav.stats', order: 35, allowed: (can) => can('stats.view') },
  { path: '/staff', screen: lazy(() => import('./screens/staff.js'), 'StaffScreen'), nav: 'nav.staff', order: 40, allowed: (can) => can('staff.list') },
  { path: '/canned-replies', screen: lazy(() => import('./screens/canned_replies.js'), 'CannedRepliesScreen'), nav: 'nav.canned_replies', order: 50, allowed: (can) => can('case.reply') || can('canned_reply.manage') },
  { path: '/quarantine', screen: lazy(() => import('./screens/quarantine.js'), 'QuarantineScreen'), nav: 'nav.quarantine', order: 60, allowed: (can) => can('quarantine.view') },
  { path: '/suppressions', screen: lazy(() => import('./screens/suppressions.js'), 'SuppressionsScreen'), nav: 'nav.suppressions', order: 70, allowed: (can) => can('suppression.manage') },
  { path: '/audiences', screen: lazy(() => import('./screens/audiences.js'), 'AudiencesScreen'), nav: 'nav.audiences', order: 75, allowed: (can) => can('audience.view') },
  { path: '/open311-keys', screen: lazy(() => import('./screens/open311_keys.js'), 'Open311KeysScreen'), nav: 'nav.open311', order: 80, allowed: (can) => can('open311.keys') },
  { path: '/profile', screen: lazy(() => import('./screens/profile.js'), 'ProfileScreen'), nav: 'nav.profile', order: 90, allowed: () => true },
  { path: '/surveys', screen: lazy(() => import('./screens/surveys.js'), 'SurveysScreen'), nav: 'nav.surveys', order: 37, allowed: (can) => can('survey.view') },
  { path: '/surveys/new', screen: lazy(() => import('./screens/surveys_design.js'), 'SurveyDesignScreen'), nav: null, order: 0, allowed: (can) => can('survey.design') },
  { path: '/surveys/:id', screen: lazy(() => import('./screens/surveys_design.js'), 'SurveyDesignScreen'), nav: null, order: 0, allowed: (can) => can('survey.view') },
  { path: '/surveys/:id/calls', screen: lazy(() => import('./screens/surveys_calls.js'), 'SurveyCallsScreen'), nav: null, order: 0, allowed: (can) => can('survey.call') },
  { path: '/surveys/:id/results', screen: lazy(() => import('./screens/surveys_results.js'), 'SurveyResultsScreen'), nav: null, order: 0, allowed: (can) => can('survey.results') },
  { path: '/campaigns', screen: lazy(() => import('./screens/campaigns.js'), 'CampaignsScreen'), nav: 'nav.campaigns', order: 36, allowed: (can) => can('campaign.view') },
  { path: '/campaigns/new', screen: lazy(() => import('./screens/campaigns_edit.js'), 'CampaignEditScreen'), nav: null, order: 0, allowed: (can) => can('campaign.manage') },
  { path: '/campaigns/:id', screen: lazy(() => import('./screens/campaigns_view.js'), 'CampaignScreen'), nav: null, order: 0, allowed: (can) => can('campaign.view') },
  { path: '/campaigns/:id/edit', screen: lazy(() => import('./screens/campaigns_edit.js'), 'CampaignEditScreen'), nav: null, order: 0, allowed: (can) => can('campaign.view') },
  { path: '/campaigns/:id/calls', screen: lazy(() => import('./screens/campaigns_calls.js'), 'CampaignCallsScreen'), nav: null, order: 0, allowed: (can) => can('campaign.call') },
  { path: '/cases/:number', screen: lazy(() => import('./screens/case.js'), 'CaseScreen'), nav: null, order: 0, allowed: (can) => can('case.view') },
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
