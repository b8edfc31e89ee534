import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** Why a callback could not be opened; each maps to its own stable API error code. */
type CallbackFailure = 'signature' | 'receiver' | 'malformed';

export class WecomCallbackError extends Error {
  constructor(
    readonly failure: CallbackFailure,
    /** What is wrong, in WeCom's terms (`msg_signature`, `Encrypt`, …). */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'WecomCallbackError';
  }
}

/** WeCom pads to multiples of 32 bytes (PKCS#7 with a 32-byte block), not AES's 16. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const malformed = (field: string, message: string) =>
  new WecomCallbackError('malformed', field, message);

/** `msg_signature`: SHA-1 (hex) of token, timestamp, nonce and ciphertext, sorted, concatenated. */
export function callbackSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
): string {
  return createHash('sha1')
    .update([token, timestamp, nonce, encrypted].sort().join(''))
    .digest('hex');
}

/** What WeCom sends: the signature of the ciphertext and the values it was computed over. */
interface SealedCallback {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  /** Base64 ciphertext (`echostr` of the URL check, `<Encrypt>` of an event). */
  encrypted: string;
}

/**
 * WeCom's callback encryption (企业微信 加解密方案, the WXBizMsgCrypt samples): the signature
 * proves the sender knows the token; the plaintext is AES-256-CBC with the key
 * base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 to 32 bytes, and reads
 * 16 random bytes + 4-byte big-endian message length + message + receiveid (the corp id).
 */
export class WecomCallbackCrypto {
  private readonly key: Buffer;

  constructor(
    private readonly token: string,
    encodingAesKey: string,
    private readonly receiveId: string,
  ) {
    if (!ENCODING_AES_KEY.test(encodingAesKey)) {
      throw new Error('EncodingAESKey must be 43 letters and digits');
    }
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
  }

  sign(timestamp: string, nonce: string, encrypted: string): string {
    return callbackSignature(this.token, timestamp, nonce, encrypted);
  }

  /** Checks the signature, decrypts and checks the receiver: the message, or a WecomCallbackError. */
  open(sealed: SealedCallback): string {
    const expected = Buffer.from(this.sign(sealed.timestamp, sealed.nonce, sealed.encrypted));
    const given = Buffer.from(sealed.msgSignature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new WecomCallbackError('signature', 'msg_signature', 'signature does not match');
    }
    const { message, receiveId } = this.decrypt(sealed.encrypted);
    if (receiveId !== this.receiveId) {
      throw new WecomCallbackError('receiver', 'receiveid', 'encrypted for another corp');
    }
    return message;
  }

  /** Encrypts and signs `message` as WeCom would (the simulator, tests, passive replies). */
  seal(
    message: string,
    opts: { timestamp: string; nonce: string; random?: Buffer },
  ): SealedCallback {
    const encrypted = this.encrypt(message, opts.random);
    return {
      msgSignature: this.sign(opts.timestamp, opts.nonce, encrypted),
      timestamp: opts.timestamp,
      nonce: opts.nonce,
      encrypted,
    };
  }

  encrypt(message: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random.length !== RANDOM_BYTES)
      throw new Error(`random prefix must be ${RANDOM_BYTES} bytes`);
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([random, length, body, Buffer.from(this.receiveId, 'utf8')]);
    const pad = PAD_BLOCK - (plain.length % PAD_BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([
      cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
      cipher.final(),
    ]).toString('base64');
  }

  /** The message and the receiveid it was encrypted for; malformed input is a WecomCallbackError. */
  decrypt(encrypted: string): { message: string; receiveId: string } {
    if (!BASE64.test(encrypted)) throw malformed('Encrypt', 'ciphertext is not base64');
    const data = Buffer.from(encrypted, 'base64');
    if (data.length < PAD_BLOCK || data.length % PAD_BLOCK !== 0) {
      throw malformed('Encrypt', 'ciphertext is not a whole number of 32-byte blocks');
    }
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(data), decipher.final()]);
    const pad = plain[plain.length - 1];
    if (pad < 1 || pad > PAD_BLOCK || plain.subarray(plain.length - pad).some((b) => b !== pad)) {
      throw malformed('Encrypt', 'bad padding (wrong key, or not WeCom ciphertext)');
    }
    const content = plain.subarray(RANDOM_BYTES, plain.length - pad);
    if (content.length < 4) throw malformed('Encrypt', 'plaintext too short');
    const length = content.readUInt32BE(0);
    if (4 + length > content.length) throw malformed('Encrypt', 'message length beyond plaintext');
    try {
      return {
        message: utf8.decode(content.subarray(4, 4 + length)),
        receiveId: utf8.decode(content.subarray(4 + length)),
      };
    } catch {
      throw malformed('Encrypt', 'plaintext is not UTF-8');
    }
  }
}
