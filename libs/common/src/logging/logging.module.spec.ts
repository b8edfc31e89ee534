import { scrubSecrets } from './logging.module';

describe('scrubSecrets: credentials inside logged text', () => {
  it.each([
    [
      'https://qyapi.weixin.qq.com/cgi-bin/externalcontact/add_msg_template?access_token=AbC-123_x&debug=1',
      'https://qyapi.weixin.qq.com/cgi-bin/externalcontact/add_msg_template?access_token=[redacted]&debug=1',
    ],
    [
      '/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3t-value',
      '/cgi-bin/gettoken?corpid=ww1&corpsecret=[redacted]',
    ],
    ['GET /x?ACCESS_TOKEN=abc"', 'GET /x?ACCESS_TOKEN=[redacted]"'],
    ['authorization: Bearer test-token-operator-1', 'authorization: Bearer [redacted]'],
    ['Basic b3BlcmF0b3I6dGVzdA==', 'Basic [redacted]'],
    ['batch sent: 100 recipients, msgid msg-1', 'batch sent: 100 recipients, msgid msg-1'],
  ])('%s', (text, expected) => {
    expect(scrubSecrets(text)).toBe(expected);
  });
});
