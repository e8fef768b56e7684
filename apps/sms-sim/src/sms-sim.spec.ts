import { createSmsSim, SmsSim } from './sms-sim';
import { SmsGatewayNotifier } from '../../registry/src/notifications/sms-gateway-notifier';
import { SqliteReadStore } from '@registry/read-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('SMS gateway simulator and the registry adapter', () => {
  let sim: SmsSim;
  let url: string;
  let dir: string;
  let reads: SqliteReadStore;
  const settings = () => ({ baseUrl: url, token: 'k', timeoutMs: 1000, retries: 3, retryBaseMs: 5, batchSize: 2 });
  const message = (id: string, to = '13800138000') => ({ id, to, template: 'test', text: '测试短信' });

  beforeEach(async () => {
    sim = await createSmsSim({ token: 'k' });
    url = await sim.listen(0);
    dir = mkdtempSync(join(tmpdir(), 'sms-sim-'));
    reads = new SqliteReadStore(join(dir, 'read.sqlite'));
  });

  afterEach(async () => {
    await sim.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a request without the key', async () => {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"messages":[]}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('takes batches, keeps each id once, rejects numbers no SMS reaches', async () => {
    const gateway = new SmsGatewayNotifier(settings(), reads);
    const results = await gateway.send([message('a'), message('b'), message('c', '010-1234'), message('a')]);
    expect(results).toEqual([
      { id: 'a', status: 'accepted' },
      { id: 'b', status: 'accepted' },
      { id: 'c', status: 'failed', code: 'INVALID_NUMBER', retryable: false },
      { id: 'a', status: 'accepted' },
    ]);
    expect(sim.state.messages.size).toBe(2);
    expect(sim.state.batches).toBe(2); // batches of two
  });

  it('retries a failing gateway with back-off, gives up on a 4xx, and takes a repeated id once', async () => {
    sim.faults.set({ mode: 'fail', count: 2, status: 503 });
    const gateway = new SmsGatewayNotifier(settings(), reads);
    expect(await gateway.send([message('r1')])).toEqual([{ id: 'r1', status: 'accepted' }]);
    expect(sim.state.batches).toBe(1);
    sim.faults.set({ mode: 'fail', count: 10, status: 503 });
    const down = await gateway.send([message('r2')]);
    expect(down).toEqual([{ id: 'r2', status: 'failed', code: 'HTTP_503', retryable: true }]);
    sim.faults.set({ mode: 'fail', count: 1, status: 400 });
    expect(await gateway.send([message('r3')])).toEqual([{ id: 'r3', status: 'failed', code: 'HTTP_400', retryable: false }]);
    sim.faults.set({ mode: 'none' });
    // The same id again is accepted without a second message.
    await gateway.send([message('r1')]);
    expect([...sim.state.messages.keys()]).toEqual(['r1']);
  });

  it('times out a hanging gateway and retries', async () => {
    sim.faults.set({ mode: 'timeout', count: 1 });
    const gateway = new SmsGatewayNotifier({ ...settings(), timeoutMs: 200 }, reads);
    expect(await gateway.send([message('t1')])).toEqual([{ id: 't1', status: 'accepted' }]);
  });

  it('hands over delivery receipts once they are acknowledged', async () => {
    sim.state.undeliverable.add('13900000000');
    const gateway = new SmsGatewayNotifier(settings(), reads);
    await gateway.send([message('d1'), message('d2', '13900000000'), message('d3')]);
    const first = await gateway.receipts();
    expect(first.items.map((r) => [r.id, r.status, r.code])).toEqual([
      ['d1', 'delivered', undefined],
      ['d2', 'undeliverable', 'UNREACHABLE'],
      ['d3', 'delivered', undefined],
    ]);
    // Not acknowledged: read again.
    expect((await gateway.receipts()).items).toHaveLength(3);
    await (await gateway.receipts()).acknowledge();
    expect((await gateway.receipts()).items).toEqual([]);
    await gateway.send([message('d4')]);
    expect((await gateway.receipts()).items.map((r) => r.id)).toEqual(['d4']);
  });

  it('hands over citizens’ answers, each naming the last message sent to that number, once acknowledged', async () => {
    const gateway = new SmsGatewayNotifier(settings(), reads);
    await gateway.send([message('m1'), message('m2', '13900000001'), message('m3')]);
    const answer = async (from: string, text: string) =>
      fetch(`${url}/sim/replies`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from, text }),
      });
    expect((await answer('13800138000', 'TD')).status).toBe(200);
    expect((await answer('13700000000', '你好')).status).toBe(200); // a number nothing was sent to
    expect((await answer('not-a-number', 'TD')).status).toBe(400);
    const first = await gateway.replies();
    expect(first.items).toEqual([
      { id: 'reply-1', inReplyTo: 'm3', text: 'TD', at: expect.any(String) },
      { id: 'reply-2', text: '你好', at: expect.any(String) },
    ]);
    expect((await gateway.replies()).items).toHaveLength(2);
    await first.acknowledge();
    expect((await gateway.replies()).items).toEqual([]);
    // The receipts' cursor is a cursor of its own.
    expect((await gateway.receipts()).items).toHaveLength(3);
  });
});
