import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { can, onSessionEnd, signedIn } from '@shared/session';
import Shell from './Shell.vue';
import LoginPage from './pages/LoginPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** The permission the page's API calls need; the menu hides pages the caller cannot use. */
    permission?: string;
    /** Alternatives: any of these permissions opens the page. */
    anyOf?: string[];
    title?: string;
    public?: boolean;
  }
}

/** Pages load on first visit (one chunk each): the sign-in page does not carry ECharts. */
export const PAGES: RouteRecordRaw[] = [
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('./pages/DashboardPage.vue'),
    meta: { permission: 'report:read', title: 'nav.dashboard' },
  },
  {
    path: 'worklist',
    name: 'worklist',
    component: () => import('./pages/WorklistPage.vue'),
    meta: { permission: 'person:read', title: 'nav.worklist' },
  },
  {
    path: 'persons',
    name: 'persons',
    component: () => import('./pages/PersonsPage.vue'),
    meta: { permission: 'person:read', title: 'nav.persons' },
  },
  {
    path: 'persons/:personId',
    name: 'person',
    component: () => import('./pages/PersonPage.vue'),
    meta: { permission: 'person:read', title: 'person.title' },
  },
  {
    path: 'imports',
    name: 'imports',
    component: () => import('./pages/ImportsPage.vue'),
    meta: { permission: 'import:run', title: 'nav.imports' },
  },
  {
    path: 'reviews',
    name: 'reviews',
    component: () => import('./pages/ReviewsPage.vue'),
    meta: { permission: 'review:decide', title: 'nav.reviews' },
  },
  {
    path: 'quality',
    name: 'quality',
    component: () => import('./pages/QualityPage.vue'),
    meta: { permission: 'report:read', title: 'nav.quality' },
  },
  {
    path: 'survey',
    name: 'survey',
    component: () => import('./pages/SurveyPage.vue'),
    meta: { permission: 'survey:read', title: 'nav.survey' },
  },
  {
    path: 'self-service',
    name: 'self-service',
    component: () => import('./pages/SelfServicePage.vue'),
    meta: { permission: 'self-service:review', title: 'nav.selfService' },
  },
  {
    path: 'audit',
    name: 'audit',
    component: () => import('./pages/AuditPage.vue'),
    meta: { permission: 'audit:read', title: 'nav.audit' },
  },
];

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/oidc-callback', name: 'oidc-callback', component: () => import('./pages/OidcCallbackPage.vue'), meta: { public: true } },
  { path: '/', component: Shell, children: [{ path: '', name: 'home', redirect: () => firstPage() }, ...PAGES] },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory('/console/'), routes });

export function allowed(meta: { permission?: string; anyOf?: string[] }): boolean {
  if (meta.anyOf) return meta.anyOf.some(can);
  return !meta.permission || can(meta.permission);
}

/** Where a signed-in user starts: the first page their role may open. */
export function firstPage(): string {
  const page = PAGES.find((p) => !p.path.includes(':') && allowed(p.meta ?? {}));
  return page ? `/${page.path}` : '/login';
}

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!signedIn()) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (!allowed(to.meta)) return firstPage();
  return true;
});

onSessionEnd(() => {
  const current = router.currentRoute.value;
  if (!current.meta.public) void router.replace({ name: 'login', query: { next: current.fullPath } });
});
