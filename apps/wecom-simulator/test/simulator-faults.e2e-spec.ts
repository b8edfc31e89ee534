import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { simHttp } from './sim-http';

const SEND = 'externalcontact/add_msg_template';
const body = (i: number) => ({ external_userid: [`wm-${i}`], text: { content: 'x' } });

/** Fault injection: deterministic under a seed, each fault doing what its name says. */
describe('WeCom simulator: faults', () => {
  let sim: SimulatorHarness;
  let http: ReturnType<typeof simHttp>;
  let token: string;

  /** One raw call: the errcode, or how the transport failed. */
  async function outcome(i: number): Promise<string> {
    try {
      const res = await fetch(`${sim.url}/cgi-bin/${SEND}?access_token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      if (res.status !== 200) return `http${res.status}:${(await res.text()).length}`;
      return String(((await res.json()) as { errcode: number }).errcode);
    } catch {
      return 'reset';
    }
  }

  async function sequence(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await outcome(i));
    return out;
  }

  const mixed = {
    http5xxRate: 0.15,
    busyRate: 0.15,
    rateLimitRate: 0.15,
    resetAfterAcceptRate: 0.15,
    endpoints: [SEND],
  };

  beforeAll(async () => {
    sim = await startTestSimulator();
    http = simHttp(sim);
    token = await http.token();
  });

  afterEach(() => sim.setFaults({}));

  afterAll(() => sim?.close());

  it('the same seed replays the same faults; another seed does not', async () => {
    await sim.setFaults({ ...mixed, seed: 7 });
    const first = await sequence(40);
    await sim.setFaults({ ...mixed, seed: 7 });
    expect(await sequence(40)).toEqual(first);
    await sim.setFaults({ ...mixed, seed: 8 });
    expect(await sequence(40)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set(['0', '-1', '45009', 'http503:0', 'reset']));
  });

  it('5xx, -1 and 45009 do nothing; a reset comes after the message was accepted', async () => {
    await sim.setFaults({ ...mixed, seed: 7 });
    const before = (await sim.messages()).length;
    const outcomes = await sequence(40);
    const accepted = outcomes.filter((o) => o === '0' || o === 'reset').length;
    expect((await sim.messages()).length - before).toBe(accepted);
    const stats = await sim.stats();
    expect(stats.outcomes[SEND].reset).toBeGreaterThan(0);
  });

  it('a timeout after accepting holds the answer, with the message already in the ledger', async () => {
    await sim.setFaults({ timeoutAfterAcceptRate: 1, holdMs: 300, endpoints: [SEND] });
    const before = (await sim.messages()).length;
    const started = Date.now();
    const late = http.post(SEND, body(1), token);
    // Poll the ledger while the answer is still held back.
    let inLedger = false;
    const deadline = Date.now() + 2000;
    while (!inLedger && Date.now() < deadline) {
      inLedger = (await sim.messages()).length === before + 1;
    }
    expect(inLedger).toBe(true);
    expect((await late).errcode).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('latency is fixed plus a seeded jitter', async () => {
    await sim.setFaults({ latencyMs: 150, jitterMs: 50 });
    const started = Date.now();
    expect((await http.post(SEND, body(2), token)).errcode).toBe(0);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1000);
  });

  it('faults apply only to the listed endpoints', async () => {
    await sim.setFaults({ busyRate: 1, endpoints: ['externalcontact/get_groupmsg_task'] });
    expect((await http.post(SEND, body(3), token)).errcode).toBe(0);
    expect(
      (await http.post('externalcontact/get_groupmsg_task', { msgid: 'x' }, token)).errcode,
    ).toBe(-1);
  });

  it('token invalidation answers 40014 and revokes the token used', async () => {
    await sim.setFaults({ tokenInvalidRate: 1, endpoints: [SEND] });
    const used = await http.token();
    expect((await http.post(SEND, body(4), used)).errcode).toBe(40014);
    await sim.setFaults({});
    expect((await http.post(SEND, body(5), used)).errcode).toBe(40014);
    const fresh = await http.token();
    expect(fresh).not.toBe(used);
    token = fresh;
  });

  it('a 45009 burst refuses every call while it lasts and does nothing', async () => {
    await sim.setFaults({ rateLimitBurstEveryMs: 3_600_000, rateLimitBurstMs: 3_600_000 });
    const before = (await sim.messages()).length;
    expect(await sequence(5)).toEqual(['45009', '45009', '45009', '45009', '45009']);
    expect((await sim.messages()).length).toBe(before);
    await sim.setFaults({ rateLimitBurstEveryMs: 3_600_000, rateLimitBurstMs: 0 });
    expect(await sequence(2)).toEqual(['0', '0']);
  });

  it('periodic token revocation: a live token answers 40014 after the period, a new one works', async () => {
    await sim.setFaults({ tokenRevokeEveryMs: 1_000 });
    const used = await http.token();
    const deadline = Date.now() + 10_000;
    let errcode = 0;
    while (errcode !== 40014 && Date.now() < deadline) {
      errcode = (await http.post(SEND, body(6), used)).errcode;
    }
    expect(errcode).toBe(40014);
    await sim.setFaults({});
    const fresh = await http.token();
    expect(fresh).not.toBe(used);
    expect((await http.post(SEND, body(7), fresh)).errcode).toBe(0);
    token = fresh;
  });

  it('rejects invalid fault settings', async () => {
    await expect(sim.setFaults({ busyRate: 2 })).rejects.toThrow(/HTTP 400.*busyRate/);
  });

  it('faults given at start apply from the first call, and reset returns to them', async () => {
    const busy = await startTestSimulator({ faults: { busyRate: 1, endpoints: [SEND] } });
    try {
      const h = simHttp(busy);
      expect((await h.post(SEND, body(1))).errcode).toBe(-1);
      await busy.setFaults({});
      expect((await h.post(SEND, body(1))).errcode).toBe(0);
      await busy.reset();
      expect(await busy.messages()).toEqual([]);
      expect((await h.post(SEND, body(1))).errcode).toBe(-1);
    } finally {
      await busy.close();
    }
  });
});
