import { ConfigValidationError, loadConfig } from '../config/load-config';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigValidationError).problems;
  }
};

describe('METRICS_TOKEN and ALERT_WECOM_WEBHOOK', () => {
  it('are off when unset or empty', () => {
    for (const env of [{}, { METRICS_TOKEN: '', ALERT_WECOM_WEBHOOK: '' }]) {
      const c = loadConfig(env);
      expect(c.METRICS_TOKEN).toBeUndefined();
      expect(c.ALERT_WECOM_WEBHOOK).toBeUndefined();
    }
  });

  it('take a long token and a group robot URL', () => {
    const robot = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0';
    const c = loadConfig({ METRICS_TOKEN: 'a'.repeat(16), ALERT_WECOM_WEBHOOK: robot });
    expect(c.METRICS_TOKEN).toBe('a'.repeat(16));
    expect(c.ALERT_WECOM_WEBHOOK).toBe(robot);
    // The simulator's robot, for trials and tests.
    expect(
      loadConfig({ ALERT_WECOM_WEBHOOK: 'http://127.0.0.1:8090/cgi-bin/webhook/send?key=ops-1234' })
        .ALERT_WECOM_WEBHOOK,
    ).toBeDefined();
  });

  it.each([
    ['METRICS_TOKEN', 'short-token'],
    ['METRICS_TOKEN', 'has a space in it, sixteen+'],
    ['ALERT_WECOM_WEBHOOK', 'not a url'],
    ['ALERT_WECOM_WEBHOOK', 'ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh'],
    ['ALERT_WECOM_WEBHOOK', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send'],
    ['ALERT_WECOM_WEBHOOK', 'https://qyapi.weixin.qq.com/cgi-bin/gettoken?key=abcdefgh'],
    ['ALERT_WECOM_WEBHOOK', 'https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh'],
  ])('refuses %s=%j, naming the variable but not the value', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}: `));
    expect(found[0]).not.toContain(value);
  });
});
