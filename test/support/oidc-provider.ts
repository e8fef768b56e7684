/**
 * A stand-in for the province's identity provider, in the test's process: discovery, a JWKS
 * with keys it can rotate, RS256 tokens, and the authorization code flow with PKCE (S256)
 * that the console's sign-in button runs in the browser. It signs in whoever it is told to.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';

export class TestProvider {
  server!: Server;
  issuer!: string;
  keys: Array<{ kid: string; privateKey: KeyLike; jwk: JWK }> = [];
  jwksRequests = 0;
  lastJwksAt = 0;
  /** Claims of the person the authorization endpoint signs in. */
  signInAs: Record<string, unknown> = {};
  /** Codes issued and not yet redeemed, with the PKCE challenge they were asked with. */
  private readonly codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  readonly tokenRequests: Array<{ clientId: string; verifierMatched: boolean }> = [];

  async start(): Promise<void> {
    if (this.keys.length === 0) await this.addKey('key-1');
    this.server = createServer((req, res) => void this.handle(req.method ?? 'GET', new URL(req.url ?? '/', this.issuer), req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(method: string, url: URL, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    // The console calls the token endpoint from the browser: another origin, so CORS.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    if (method === 'OPTIONS') return res.writeHead(204).end();
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/jwks`,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
      });
    }
    if (url.pathname === '/jwks') {
      this.jwksRequests++;
      this.lastJwksAt = Date.now();
      return json(res, { keys: this.keys.map((k) => k.jwk) });
    }
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      if (p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge')) {
        return res.writeHead(400).end('bad request');
      }
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { challenge: p.get('code_challenge')!, redirectUri: p.get('redirect_uri')!, clientId: p.get('client_id')! });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      return res.writeHead(302, { Location: back.toString() }).end();
    }
    if (url.pathname === '/token' && method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const pending = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const matched = !!pending && createHash('sha256').update(verifier).digest('base64url') === pending.challenge;
      this.tokenRequests.push({ clientId: form.get('client_id') ?? '', verifierMatched: matched });
      if (!pending || !matched || form.get('redirect_uri') !== pending.redirectUri) return json(res, { error: 'invalid_grant' }, 400);
      return json(res, { access_token: await this.token(this.signInAs), token_type: 'Bearer', expires_in: 600 });
    }
    res.writeHead(404).end();
  }

  async addKey(kid: string): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
  }

  async token(claims: Record<string, unknown>, options: { kid?: string; audience?: string; issuer?: string; expiresIn?: string } = {}) {
    const key = this.keys.find((k) => k.kid === (options.kid ?? this.keys[0].kid))!;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? 'registry-api')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(key.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function json(res: import('node:http').ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
