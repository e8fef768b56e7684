/**
 * Sign-in at the province's identity provider: OpenID Connect's authorization code flow with
 * PKCE (RFC 7636), as a public client in the browser. The token the provider issues is sent
 * to the API as it is; the service verifies it against the provider's published keys.
 */
export interface OidcOptions {
  issuer: string;
  clientId: string;
  scope: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

const PENDING_KEY = 'registry.console.oidc';

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export function callbackUrl(): string {
  return `${location.origin}/console/oidc-callback`;
}

export async function startOidcSignIn(options: OidcOptions, next: string): Promise<void> {
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(
    PENDING_KEY,
    JSON.stringify({ verifier, state, next, tokenEndpoint: options.tokenEndpoint, clientId: options.clientId }),
  );
  const url = new URL(options.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: callbackUrl(),
    scope: options.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Exchanges the code the provider sent back for its token; answers the token and where to go next. */
export async function finishOidcSignIn(query: URLSearchParams): Promise<{ token: string; next: string }> {
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!stored) throw new Error('no sign-in was started in this tab');
  const pending = JSON.parse(stored) as { verifier: string; state: string; next: string; tokenEndpoint: string; clientId: string };
  if (query.get('error')) throw new Error(query.get('error_description') ?? query.get('error') ?? 'error');
  if (query.get('state') !== pending.state) throw new Error('state mismatch');
  const code = query.get('code');
  if (!code) throw new Error('no authorization code');
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: callbackUrl(),
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }).toString(),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const body = (await response.json()) as { access_token?: string; id_token?: string };
  const token = body.access_token ?? body.id_token;
  if (!token) throw new Error('no token in the answer');
  return { token, next: pending.next };
}
