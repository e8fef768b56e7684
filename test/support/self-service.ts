/** Channel clients, phone codes and the outbox file, for the self-service and reminder suites. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Clock } from '../../apps/registry/src/common/clock';
import { bearer, TestApp } from './app';

export interface OutboxMessage {
  id: string;
  to: string;
  template: string;
  text: string;
}

export function outboxPath(dataDir: string): string {
  return join(dataDir, 'outbox', 'messages.ndjson');
}

/** Every line of the outbox file, in order. */
export function readOutbox(dataDir: string): OutboxMessage[] {
  const path = outboxPath(dataDir);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage);
}

/** The six digits the code message with this verification id carried. */
export function codeSent(dataDir: string, verificationId: string): string {
  const message = readOutbox(dataDir).find((m) => m.id === verificationId);
  const code = message?.text.match(/(\d{6})/)?.[1];
  if (!code) throw new Error(`no code message ${verificationId} in the outbox`);
  return code;
}

export function channelToken(t: TestApp, channel = 'website', region = '44', sub = `${channel}-client`): string {
  return t.token({ role: 'channel-client', region, sub, channel });
}

/** Sets the app's clock to `iso`; returns a function that moves it on by `ms`. */
export function controlClock(t: TestApp, iso: string): { advance(ms: number): void; set(iso: string): void; now(): Date } {
  let current = Date.parse(iso);
  jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(current));
  return {
    advance: (ms) => (current += ms),
    set: (value) => (current = Date.parse(value)),
    now: () => new Date(current),
  };
}

/** Asks for a code and checks it: the verification id a registration or status query presents. */
export async function verifiedPhone(
  t: TestApp,
  token: string,
  body: { phone: string; citizenId: string; purpose: 'registration' | 'status-query' },
): Promise<string> {
  const sent = await t.http().post('/v1/public/phone-verifications').set(bearer(token)).send(body);
  if (sent.status !== 202) throw new Error(`code request answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  const { verificationId } = sent.body as { verificationId: string };
  const checked = await t
    .http()
    .post('/v1/public/phone-verifications/check')
    .set(bearer(token))
    .send({ verificationId, phone: body.phone, code: codeSent(t.dataDir, verificationId) });
  if (checked.status !== 200) throw new Error(`code check answered ${checked.status}: ${JSON.stringify(checked.body)}`);
  return verificationId;
}

let phoneSeq = 0;
/** A distinct mainland mobile number per call. */
export function newPhone(): string {
  phoneSeq++;
  return `139${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(5, '0')}`;
}

export function submissionBody(
  citizenId: string,
  phone: string,
  verificationId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    clientSubmissionId: `WEB-${citizenId.slice(10, 17)}`,
    verificationId,
    citizenId,
    name: '自助登记',
    phone,
    residenceRegion: '440305001',
    residenceAddress: '深圳市南山区南头街道1号',
    intendedInsuranceType: '390',
    employment: 'flexible',
    currentlyInsured: false,
    uninsuredReason: 'unaware',
    ...overrides,
  };
}
