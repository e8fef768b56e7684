import { ApiError, request, type Query } from '@shared/api';

/**
 * The page speaks as the province's mobile channel: it holds a short-lived channel token from
 * POST /v1/channel-sessions (in memory only) and asks for a new one when it runs out. Citizens
 * prove who they are to the self-service endpoints with the code sent to their phone.
 */
let held: { token: string; expiresAt: number } | null = null;

async function channelToken(): Promise<string> {
  if (held && held.expiresAt - Date.now() > 30_000) return held.token;
  const answer = await request<{ token: string; expiresAt: string }>('POST', '/v1/channel-sessions', { token: null });
  held = { token: answer.token, expiresAt: Date.parse(answer.expiresAt) };
  return held.token;
}

/** Whether the page can speak for citizens now: the service answers with a channel token. */
export async function channelOpen(): Promise<boolean> {
  try {
    await channelToken();
    return true;
  } catch {
    return false;
  }
}

export async function callPublic<T>(path: string, body: unknown, query?: Query): Promise<T> {
  try {
    return await request<T>('POST', path, { body, query, token: await channelToken() });
  } catch (error) {
    // A token that ran out between two steps: once more with a fresh one.
    if (error instanceof ApiError && error.status === 401) {
      held = null;
      return request<T>('POST', path, { body, query, token: await channelToken() });
    }
    throw error;
  }
}

export interface Region {
  code: string;
  name: string;
  level: string;
}

export async function regionsBelow(parent?: string): Promise<Region[]> {
  const answer = await request<{ children: Region[] }>('GET', '/v1/regions', { query: { parent }, token: null });
  return answer.children;
}
