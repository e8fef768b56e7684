import { reactive } from 'vue';
import { ApiError, api, onUnauthorized, useTokenSource } from './api';

/** Who is signed in, as the service describes the token (POST /v1/sessions, GET /v1/sessions/current). */
export interface Principal {
  subject: string;
  roles: string[];
  region: string;
  regionName?: string;
  permissions: string[];
}

export interface SessionAnswer {
  token: string;
  expiresAt: string;
  principal: Principal;
  method: 'password' | 'oidc';
}

interface SessionState {
  token: string | null;
  expiresAt: number;
  principal: Principal | null;
  method: 'password' | 'oidc' | null;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: 'expired' | 'signed-out' | null;
}

const STORAGE_KEY = 'registry.console.session';

/**
 * The session lives in sessionStorage: one tab, gone when the tab closes, never in a cookie
 * the browser would send by itself. It ends when the token's expiry passes (a timer), when
 * the service answers 401, or on sign-out.
 */
export const session = reactive<SessionState>({ token: null, expiresAt: 0, principal: null, method: null, endedBecause: null });

let expiryTimer: ReturnType<typeof setTimeout> | undefined;
const endListeners = new Set<() => void>();

export function onSessionEnd(listener: () => void): void {
  endListeners.add(listener);
}

export function can(permission: string): boolean {
  return session.principal?.permissions.includes(permission) ?? false;
}

export function signedIn(): boolean {
  return session.token !== null && session.expiresAt > Date.now();
}

function begin(answer: SessionAnswer): void {
  session.token = answer.token;
  session.expiresAt = Date.parse(answer.expiresAt);
  session.principal = answer.principal;
  session.method = answer.method;
  session.endedBecause = null;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(answer));
  schedule();
}

function schedule(): void {
  if (expiryTimer) clearTimeout(expiryTimer);
  // setTimeout holds at most 2^31-1 ms; a longer session re-arms when it fires.
  const wait = Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1);
  expiryTimer = setTimeout(() => (session.expiresAt <= Date.now() ? end('expired') : schedule()), Math.max(wait, 0));
}

export function end(reason: 'expired' | 'signed-out'): void {
  if (expiryTimer) clearTimeout(expiryTimer);
  const wasSignedIn = session.token !== null;
  session.token = null;
  session.expiresAt = 0;
  session.principal = null;
  session.method = null;
  session.endedBecause = reason;
  sessionStorage.removeItem(STORAGE_KEY);
  if (wasSignedIn) for (const listener of endListeners) listener();
}

export async function signIn(username: string, password: string): Promise<void> {
  begin(await api.post<SessionAnswer>('/v1/sessions', { username, password }, { token: null }));
}

/** A token from the province's identity provider: the service says who it names. */
export async function adoptToken(token: string): Promise<void> {
  const answer = await api.get<Omit<SessionAnswer, 'token'>>('/v1/sessions/current', undefined, { token });
  begin({ ...answer, token });
}

export function restore(): void {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) return;
  try {
    const answer = JSON.parse(stored) as SessionAnswer;
    if (Date.parse(answer.expiresAt) > Date.now()) begin(answer);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

useTokenSource(() => session.token);
onUnauthorized((_error: ApiError) => end('expired'));
