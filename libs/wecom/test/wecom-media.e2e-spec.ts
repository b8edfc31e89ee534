import { lookup } from 'node:dns/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { isBlockedAddress } from '@app/common';
import { ImageRejectedError, WecomError, WecomFatalError, WecomRetryableError } from '@app/wecom';
import { SimulatorHarness, startTestSimulator } from '../../../test/utils/simulator';
import { startWecomContext, WecomContext } from './wecom-test-context';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(200, 7),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 9)]);
const MAX_BYTES = 4096;

/** A real HTTP image host on this machine, counting the requests per path. */
class ImageHost {
  readonly hits = new Map<string, number>();
  changing = PNG;
  private server: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    // Dual-stack, so `localhost` works whether it resolves to 127.0.0.1 or ::1.
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '::', resolve);
    }).catch(() => new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve)));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(path: string, host = 'localhost'): string {
    return `http://${host}:${this.port}${path}`;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    this.hits.set(path, this.count(path) + 1);
    const send = (type: string, body: Buffer) => {
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      res.end(body);
    };
    switch (path) {
      case '/cat.png':
      case '/cover.png':
        return send('image/png', PNG);
      case '/photo.jpg':
        return send('image/jpeg; charset=binary', JPEG);
      case '/changing.png':
        return send('image/png', this.changing);
      case '/declared-big.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': MAX_BYTES * 10 });
        return void res.write(PNG);
      case '/streamed-big.png': {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(PNG);
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(1024, 1));
        return void res.end();
      }
      case '/page.html':
        return send('text/html', Buffer.from('<html>not an image</html>'));
      case '/fake.png':
        return send('image/png', Buffer.from('this is text pretending to be a png'));
      case '/slow.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.write(PNG.subarray(0, 8)); // and never finishes
      case '/redirect-same-host':
        res.writeHead(302, { location: '/photo.jpg' });
        return void res.end();
      case '/redirect-private':
        res.writeHead(302, { location: this.url('/cat.png', '127.0.0.1') });
        return void res.end();
      case '/redirect-metadata':
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
        return void res.end();
      case '/redirect-local-name':
        // A name (not a literal address) that resolves to this machine: only the lookup of
        // the hop's own connection can tell.
        res.writeHead(307, { location: this.url('/cat.png', hostname()) });
        return void res.end();
      default:
        res.writeHead(404).end();
    }
  }
}

async function failure(p: Promise<unknown>): Promise<WecomError> {
  try {
    await p;
  } catch (e) {
    return e as WecomError;
  }
  throw new Error('expected the call to fail');
}

describe('WeCom media: upload once, reuse the media_id', () => {
  let sim: SimulatorHarness;
  let host: ImageHost;
  let a: WecomContext;
  let b: WecomContext;

  beforeAll(async () => {
    host = new ImageHost();
    await host.start();
    sim = await startTestSimulator({ behaviour: { miniProgramAppIds: ['wx-test-app'] } });
    const env = {
      ...sim.env,
      MEDIA_ALLOWED_HOSTS: 'localhost',
      MEDIA_MAX_BYTES: String(MAX_BYTES),
      MEDIA_DOWNLOAD_TIMEOUT_MS: '400',
      WECOM_MINIPROGRAM_APPID: 'wx-test-app',
    };
    a = await startWecomContext(env);
    b = await startWecomContext(env);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.close();
    await host?.stop();
  });

  /** Deletes the URL → media_id entries, as if their short window had passed. */
  async function expireUrlCache(): Promise<void> {
    const keys = await a.redis.keys(`${a.config.REDIS_KEY_PREFIX}:wecom:media:*:url:*`);
    if (keys.length) await a.redis.del(...keys);
  }

  it('the same image used by 10 batches (two instances) is downloaded and uploaded once', async () => {
    const url = host.url('/cat.png');
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const ctx = i % 2 ? a : b;
        const attachments = await ctx.attachments.forRule({ img: url });
        await ctx.client.addMsgTemplate({ externalUserIds: [`wm-batch-${i}`], attachments });
      }),
    );
    expect(host.count('/cat.png')).toBe(1);
    expect(await sim.media()).toHaveLength(1);
    const [uploaded] = await sim.media();
    expect(uploaded.type).toBe('image');
    expect(uploaded.filename).toBe('cat.png');
    const ledger = await sim.messages();
    expect(ledger).toHaveLength(10);
    for (const m of ledger) {
      expect(m.attachments).toEqual([{ msgtype: 'image', image: { media_id: uploaded.mediaId } }]);
    }
  });

  it('a later run downloads the image again but reuses the media_id of the same content', async () => {
    await expireUrlCache();
    const id = await a.media.mediaIdForImageUrl(host.url('/cat.png'));
    expect(host.count('/cat.png')).toBe(2);
    expect(await sim.media()).toHaveLength(1);
    expect(id).toBe((await sim.media())[0].mediaId);
  });

  it('changed content behind the same URL is uploaded anew once the URL window passed', async () => {
    const url = host.url('/changing.png');
    const first = await a.media.mediaIdForImageUrl(url);
    host.changing = Buffer.concat([PNG, Buffer.from('v2')]);
    expect(await b.media.mediaIdForImageUrl(url)).toBe(first); // within the URL window
    await expireUrlCache();
    const second = await b.media.mediaIdForImageUrl(url);
    expect(second).not.toBe(first);
    expect((await sim.media()).map((m) => m.mediaId)).toEqual(
      expect.arrayContaining([first, second]),
    );
  });

  it('caches the media_id for less than WeCom’s 3 days', async () => {
    const keys = await a.redis.keys(`${a.config.REDIS_KEY_PREFIX}:wecom:media:*:sha256:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await a.redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(a.config.WECOM_MEDIA_CACHE_SECONDS * 1000);
      expect(ttl).toBeLessThan(3 * 24 * 3600 * 1000);
    }
  });

  it('builds image and mini-program attachments from a rule, following a same-host redirect', async () => {
    const attachments = await a.attachments.forRule({
      img: host.url('/redirect-same-host'),
      miniProgramTitle: '猫粮满减，点击领券',
      miniProgramImg: host.url('/cover.png'),
      miniProgramUrl: 'pages/coupon/index.html',
    });
    const { msgid } = await a.client.addMsgTemplate({
      externalUserIds: ['wm-card'],
      text: '你好',
      attachments,
    });
    const [entry] = (await sim.messages()).filter((m) => m.msgid === msgid);
    expect(entry.text).toEqual({ content: '你好' });
    expect(entry.attachments).toEqual([
      { msgtype: 'image', image: { media_id: expect.any(String) } },
      {
        msgtype: 'miniprogram',
        miniprogram: {
          title: '猫粮满减，点击领券',
          pic_media_id: expect.any(String),
          appid: 'wx-test-app',
          page: 'pages/coupon/index.html',
        },
      },
    ]);
    expect(host.count('/photo.jpg')).toBe(1);
  });

  it('a mini-program title over 64 bytes is refused before any download', async () => {
    const e = await failure(
      a.attachments.forRule({
        miniProgramTitle: '标'.repeat(22), // 66 bytes
        miniProgramImg: host.url('/cover.png?never'),
        miniProgramUrl: 'pages/index',
      }),
    );
    expect(e).toBeInstanceOf(WecomFatalError);
    expect(e.errcode).toBe(40058);
    expect(host.count('/cover.png')).toBe(1);
  });

  it.each([
    ['an image declared larger than the cap', '/declared-big.png', /bytes, at most 4096/],
    ['an image streamed past the cap', '/streamed-big.png', /more than 4096 bytes/],
    ['an HTML page', '/page.html', /content-type text\/html/],
    ['text served as image/png', '/fake.png', /not a jpg or png/],
    ['a missing image (404)', '/missing.png', /HTTP 404/],
  ])('%s is refused before any upload', async (_, path, reason) => {
    const uploads = (await sim.media()).length;
    const e = await failure(a.media.mediaIdForImageUrl(host.url(path)));
    expect(e).toBeInstanceOf(ImageRejectedError);
    expect(e.errmsg).toMatch(reason);
    expect(host.count(path)).toBe(1);
    expect(await sim.media()).toHaveLength(uploads);
  });

  it('a download past its deadline is retryable and uploads nothing', async () => {
    const uploads = (await sim.media()).length;
    const e = await failure(a.media.mediaIdForImageUrl(host.url('/slow.png')));
    expect(e).toBeInstanceOf(WecomRetryableError);
    expect(e.errmsg).toMatch(/timed out/);
    expect(await sim.media()).toHaveLength(uploads);
  });
});

describe('WeCom media: SSRF guard', () => {
  let sim: SimulatorHarness;
  let host: ImageHost;
  let guarded: WecomContext;
  let allowLocalhost: WecomContext;

  beforeAll(async () => {
    host = new ImageHost();
    await host.start();
    sim = await startTestSimulator();
    guarded = await startWecomContext({ ...sim.env, MEDIA_ALLOWED_HOSTS: '' });
    allowLocalhost = await startWecomContext({ ...sim.env, MEDIA_ALLOWED_HOSTS: 'localhost' });
  });

  afterAll(async () => {
    await guarded?.close();
    await allowLocalhost?.close();
    await sim?.close();
    await host?.stop();
  });

  const refused = async (ctx: WecomContext, url: string) => {
    const e = await failure(ctx.media.mediaIdForImageUrl(url));
    expect(e).toBeInstanceOf(ImageRejectedError);
    return e;
  };

  it.each([
    ['loopback', () => host.url('/cat.png', '127.0.0.1')],
    ['IPv4-mapped loopback', () => host.url('/cat.png', '[::ffff:127.0.0.1]')],
    ['a private 10.x address', () => 'http://10.0.0.8/cat.png'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['localhost', () => host.url('/cat.png')],
  ])('refuses %s', async (_, url) => {
    await refused(guarded, url());
    expect(host.count('/cat.png')).toBe(0);
  });

  it('refuses a host name that resolves to a loopback or private address', async () => {
    const name = hostname();
    const addresses = await lookup(name, { all: true });
    // The premise: this machine's name resolves locally (127.0.1.1, a container address...).
    expect(addresses.some((a) => isBlockedAddress(a.address))).toBe(true);
    const e = await refused(guarded, host.url('/cat.png', name));
    expect(e.errmsg).toMatch(/resolves to a private, loopback or link-local address/);
    expect(host.count('/cat.png')).toBe(0);
  });

  it('refuses a redirect from an allowed host to a private address', async () => {
    const e = await refused(allowLocalhost, host.url('/redirect-private'));
    expect(e.errmsg).toContain('127.0.0.1');
    expect(host.count('/redirect-private')).toBe(1);
    expect(host.count('/cat.png')).toBe(0);
    expect(await sim.media()).toHaveLength(0);
  });

  it('refuses a redirect to the cloud metadata address', async () => {
    const e = await refused(allowLocalhost, host.url('/redirect-metadata'));
    expect(e.errmsg).toMatch(/private, loopback or link-local/);
    expect(host.count('/redirect-metadata')).toBe(1);
    expect(await sim.media()).toHaveLength(0);
  });

  it('re-resolves the host of every redirect hop and refuses one that resolves privately', async () => {
    const e = await refused(allowLocalhost, host.url('/redirect-local-name'));
    expect(e.errmsg).toMatch(/resolves to a private, loopback or link-local address/);
    expect(host.count('/redirect-local-name')).toBe(1);
    expect(host.count('/cat.png')).toBe(0);
    expect(await sim.media()).toHaveLength(0);
  });

  it('refuses non-http schemes', async () => {
    await refused(guarded, 'file:///etc/passwd');
  });
});
