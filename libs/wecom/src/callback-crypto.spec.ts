import { createCipheriv, createDecipheriv } from 'node:crypto';
import { callbackSignature, WecomCallbackCrypto, WecomCallbackError } from './callback-crypto';
import { parseCallbackXml, toCallbackXml } from './callback-xml';

/**
 * WeCom's published test vectors: Tencent's WXBizMsgCrypt Python sample
 * (`callback/Sample.py` of weworkapi_python, author jonyqin, mirrored at
 * github.com/sbzhu/weworkapi_python) — the corp's token, EncodingAESKey and corp id, a URL
 * verification request (使用示例一) and an encrypted message (使用示例二).
 */
const SAMPLE = {
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  corpId: 'ww1436e0e65a779aee',
  verifyUrl: {
    msgSignature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
    timestamp: '1476416373',
    nonce: '47744683',
    encrypted:
      'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
  },
  message: {
    msgSignature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
    timestamp: '1476422779',
    nonce: '1597212914',
    body: '<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>',
    plaintext:
      '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>',
  },
};

const sample = () => new WecomCallbackCrypto(SAMPLE.token, SAMPLE.encodingAesKey, SAMPLE.corpId);

function failureOf(fn: () => unknown): { failure: string; field: string } | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (!(e instanceof WecomCallbackError)) throw e;
    return { failure: e.failure, field: e.field };
  }
}

const ROUND_TRIP_KEY = 'a'.repeat(43);

/** Ciphertext of raw plaintext bytes under ROUND_TRIP_KEY (hand-made broken plaintexts). */
function rawCipher(plain: Buffer, nodePadding = false): string {
  const key = Buffer.from(`${ROUND_TRIP_KEY}=`, 'base64');
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(nodePadding);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

/** 16 random bytes + length + message + corp id, unpadded. */
const framed = (message: Buffer, corp = 'ww-corp') =>
  Buffer.concat([
    Buffer.alloc(16, 7),
    Buffer.from([0, 0, 0, message.length]),
    message,
    Buffer.from(corp),
  ]);

describe("WecomCallbackCrypto against WeCom's published sample", () => {
  it('verifies the URL check and decrypts its echostr', () => {
    expect(
      callbackSignature(SAMPLE.token, '1476416373', '47744683', SAMPLE.verifyUrl.encrypted),
    ).toBe(SAMPLE.verifyUrl.msgSignature);
    expect(sample().open(SAMPLE.verifyUrl)).toBe('1288432023552776189');
  });

  it('verifies and decrypts the sample message to its published plaintext', () => {
    const envelope = parseCallbackXml(SAMPLE.message.body);
    expect(envelope).toEqual({
      ToUserName: 'ww1436e0e65a779aee',
      Encrypt: expect.stringMatching(/^Kl7kjo/),
      AgentID: '1000002',
    });
    const message = sample().open({ ...SAMPLE.message, encrypted: envelope.Encrypt as string });
    expect(message).toBe(SAMPLE.message.plaintext);
    expect(parseCallbackXml(message)).toEqual({
      ToUserName: 'ww1436e0e65a779aee',
      FromUserName: 'ChenJiaShun',
      CreateTime: '1476422779',
      MsgType: 'text',
      Content: '你好',
      MsgId: '1456453720',
      AgentID: '1000002',
    });
  });

  it('encrypts with a 32-byte PKCS#7 block: the same random prefix gives the sample ciphertext back', () => {
    const { message } = SAMPLE;
    const encrypted = (parseCallbackXml(message.body).Encrypt as string).trim();
    const key = Buffer.from(`${SAMPLE.encodingAesKey}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([
      decipher.update(Buffer.from(encrypted, 'base64')),
      decipher.final(),
    ]);
    expect(plain.length % 32).toBe(0);
    expect(sample().encrypt(message.plaintext, plain.subarray(0, 16))).toBe(encrypted);
  });
});

describe('WecomCallbackCrypto round trips and failures', () => {
  const crypto = new WecomCallbackCrypto('tok3n', ROUND_TRIP_KEY, 'ww-corp');
  const stamp = { timestamp: '1700000000', nonce: 'n0nce' };

  it.each([
    ['empty', ''],
    ['one byte short of a block', 'x'.repeat(32 - 16 - 4 - 7 - 1)],
    ['exactly a block', 'x'.repeat(32 - 16 - 4 - 7)],
    ['CJK and emoji', '客户删除了导购 🙈'],
    ['an event', toCallbackXml({ Event: 'change_external_contact', CreateTime: 1 })],
    ['64 kB', 'y'.repeat(65536)],
  ])('round-trips %s', (_what, message) => {
    const sealed = crypto.seal(message, stamp);
    expect(Buffer.from(sealed.encrypted, 'base64').length % 32).toBe(0);
    expect(crypto.open(sealed)).toBe(message);
  });

  it('uses a fresh random prefix: the same message never gives the same ciphertext', () => {
    expect(crypto.encrypt('same')).not.toBe(crypto.encrypt('same'));
  });

  it.each<[string, (s: ReturnType<typeof crypto.seal>) => unknown, string, string]>([
    [
      'a forged signature',
      (s) => ({ ...s, msgSignature: '0'.repeat(40) }),
      'signature',
      'msg_signature',
    ],
    [
      'a signature of another length',
      (s) => ({ ...s, msgSignature: 'abc' }),
      'signature',
      'msg_signature',
    ],
    [
      'a changed timestamp',
      (s) => ({ ...s, timestamp: '1700000001' }),
      'signature',
      'msg_signature',
    ],
    ['a changed nonce', (s) => ({ ...s, nonce: 'other' }), 'signature', 'msg_signature'],
  ])('refuses %s', (_what, tamper, failure, field) => {
    const sealed = tamper(crypto.seal('hello', stamp)) as ReturnType<typeof crypto.seal>;
    expect(failureOf(() => crypto.open(sealed))).toEqual({ failure, field });
  });

  it('refuses a message signed with another token', () => {
    const other = new WecomCallbackCrypto('other-token', 'a'.repeat(43), 'ww-corp');
    expect(failureOf(() => crypto.open(other.seal('hello', stamp)))).toEqual({
      failure: 'signature',
      field: 'msg_signature',
    });
  });

  it('refuses a message encrypted for another corp (validly signed)', () => {
    const otherCorp = new WecomCallbackCrypto('tok3n', 'a'.repeat(43), 'ww-other');
    expect(failureOf(() => crypto.open(otherCorp.seal('hello', stamp)))).toEqual({
      failure: 'receiver',
      field: 'receiveid',
    });
  });

  it('refuses a message under another key (validly signed): bad padding or a wrong length', () => {
    const otherKey = new WecomCallbackCrypto('tok3n', 'b'.repeat(43), 'ww-corp');
    expect(failureOf(() => crypto.open(otherKey.seal('hello', stamp)))).toMatchObject({
      failure: 'malformed',
      field: 'Encrypt',
    });
  });

  const signed = (encrypted: string) => ({
    ...stamp,
    encrypted,
    msgSignature: crypto.sign(stamp.timestamp, stamp.nonce, encrypted),
  });

  it.each([
    ['not base64', '!!!not-base64!!!'],
    ['base64 of 16 bytes (half a block)', Buffer.alloc(16).toString('base64')],
    ['base64 of 48 bytes (not whole 32-byte blocks)', Buffer.alloc(48).toString('base64')],
    ['padding byte 0', rawCipher(Buffer.alloc(32, 0))],
    ['padding byte 33', rawCipher(Buffer.alloc(32, 33))],
    [
      'inconsistent padding bytes',
      rawCipher(Buffer.concat([Buffer.alloc(29, 1), Buffer.from([2, 3, 3])])),
    ],
    // 16 + 4 + 10 + 7 = 37 bytes: Node pads to 48, WeCom to 64.
    [
      'a 16-byte PKCS#7 pad (Node default) instead of 32',
      rawCipher(framed(Buffer.alloc(10, 65)), true),
    ],
    [
      'a message length beyond the plaintext',
      rawCipher(Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.alloc(12, 12)])),
    ],
    [
      'invalid UTF-8',
      rawCipher(Buffer.concat([framed(Buffer.from([0xff, 0xfe])), Buffer.alloc(3, 3)])),
    ],
  ])('refuses %s as malformed Encrypt', (_what, encrypted) => {
    expect(failureOf(() => crypto.open(signed(encrypted)))).toEqual({
      failure: 'malformed',
      field: 'Encrypt',
    });
  });

  it('opens a hand-framed plaintext padded to 32 (the broken cases above differ from it in one respect)', () => {
    const plain = framed(Buffer.from('AAAAAAAAAA'));
    const pad = 32 - (plain.length % 32);
    expect(crypto.open(signed(rawCipher(Buffer.concat([plain, Buffer.alloc(pad, pad)]))))).toBe(
      'AAAAAAAAAA',
    );
  });

  it('refuses an EncodingAESKey that is not 43 letters and digits', () => {
    expect(() => new WecomCallbackCrypto('t', 'a'.repeat(42), 'c')).toThrow(/43/);
    expect(() => new WecomCallbackCrypto('t', `${'a'.repeat(42)}=`, 'c')).toThrow(/43/);
  });
});

describe('parseCallbackXml', () => {
  it('reads CDATA and bare values as strings, keeps long ids exact, arrays for repeats', () => {
    expect(
      parseCallbackXml(
        '<?xml version="1.0"?><xml><A><![CDATA[x & <y> ]]]]><![CDATA[>]]></A><Id>12345678901234567890</Id><T>1</T><T>2</T><E/></xml>',
      ),
    ).toEqual({ A: 'x & <y> ]]>', Id: '12345678901234567890', T: ['1', '2'], E: '' });
  });

  it('round-trips what toCallbackXml writes, ]]> inside a value too', () => {
    const fields = { ToUserName: 'ww1', Note: 'a]]>b<c>&', CreateTime: 1700000000 };
    expect(parseCallbackXml(toCallbackXml(fields))).toEqual({
      ...fields,
      CreateTime: '1700000000',
    });
  });

  it.each([
    ['empty', ''],
    ['not XML', 'Encrypt=abc'],
    ['JSON', '{"Encrypt":"abc"}'],
    ['an unclosed element', '<xml><Encrypt>abc</xml>'],
    ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['another root', '<root><Encrypt>abc</Encrypt></root>'],
    ['a text-only root', '<xml>abc</xml>'],
    ['an empty root', '<xml></xml>'],
    [
      'a DOCTYPE with entities (billion laughs)',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><A>&lol2;</A></xml>',
    ],
    [
      'an external entity',
      '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><A>&x;</A></xml>',
    ],
  ])('refuses %s', (_what, xml) => {
    expect(failureOf(() => parseCallbackXml(xml))).toEqual({ failure: 'malformed', field: 'body' });
  });
});
