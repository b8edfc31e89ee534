import { runTs } from '../../../test/utils/process';

const MAIN = 'apps/wecom-simulator/src/main.ts';

/** main.ts runs exactly as `node dist/apps/wecom-simulator/main.js` runs the build. */
describe('wecom-simulator as a process', () => {
  it('starts on PORT, answers WeCom calls and exits 0 on SIGTERM', async () => {
    const sim = runTs(MAIN, [], {
      PORT: '0',
      HOST: '127.0.0.1',
      SIM_CORP_ID: 'ww-proc',
      SIM_CORP_SECRET: 's3',
    });
    try {
      await sim.waitFor(/listening on http:\/\/\S+ /);
      const url = /listening on (http:\/\/\S+) /.exec(sim.output())?.[1];
      const res = await fetch(`${url}/cgi-bin/gettoken?corpid=ww-proc&corpsecret=s3`);
      expect(await res.json()).toMatchObject({ errcode: 0, expires_in: 7200 });
      sim.kill('SIGTERM');
      expect(await sim.exited()).toEqual({ code: 0, signal: null });
    } finally {
      sim.kill('SIGKILL');
    }
  });

  it('refuses to start with invalid settings, naming each', async () => {
    const sim = runTs(MAIN, [], { PORT: '0', SIM_BUSY_RATE: 'often', SIM_SENDERS: ' , ' });
    expect((await sim.exited()).code).toBe(1);
    expect(sim.output()).toContain('Invalid simulator configuration');
    expect(sim.output()).toMatch(/SIM_BUSY_RATE: /);
    expect(sim.output()).toMatch(/SIM_SENDERS: /);
  });
});
