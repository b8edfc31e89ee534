import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AxiosResponse, isAxiosError } from 'axios';
import {
  APP_CONFIG,
  AppConfig,
  BLOCKED_ADDRESS_CODE,
  checkPublicHttpUrl,
  guardedLookup,
} from '@app/common';
import { WecomFatalError, WecomRetryableError } from './wecom-errors';
import { WECOM_LIMITS } from './wecom-limits';

interface DownloadedImage {
  data: Buffer;
  contentType: 'image/jpeg' | 'image/png';
  filename: string;
  sha256: string;
}

/** Not WeCom's: the label errors of a download carry as their endpoint. */
const IMAGE_DOWNLOAD = 'image-download';

/** The operator's image cannot be used (refused by the SSRF guard, too big, not jpg/png). */
export class ImageRejectedError extends WecomFatalError {
  constructor(reason: string) {
    super(IMAGE_DOWNLOAD, null, reason);
  }
}

const MAX_REDIRECTS = 3;
const ALLOWED_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/png']);

function sniff(data: Buffer): DownloadedImage['contentType'] | null {
  if (data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    return 'image/jpeg';
  }
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return data.length > 8 && data.subarray(0, 8).equals(png) ? 'image/png' : null;
}

/** Origin and path only: a signed query string may hold a credential of the image host. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

function filenameOf(url: URL, type: DownloadedImage['contentType']): string {
  const base = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  if (/^[\w.-]{1,100}\.(jpe?g|png)$/i.test(base)) return base;
  return type === 'image/png' ? 'image.png' : 'image.jpg';
}

/**
 * Fetches an operator-supplied image for upload, guarded against SSRF: http(s) only, every
 * host (and every redirect hop) checked, and the addresses the socket connects to checked at
 * connect time, so loopback, private, link-local and metadata addresses are refused unless
 * the host is in MEDIA_ALLOWED_HOSTS. Streamed with a size cap, a deadline and a jpg/png check.
 */
@Injectable()
export class ImageDownloadService implements OnModuleDestroy {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly http: HttpService,
  ) {
    const lookup = guardedLookup(config.MEDIA_ALLOWED_HOSTS);
    this.httpAgent = new HttpAgent({ lookup });
    this.httpsAgent = new HttpsAgent({ lookup });
  }

  async download(url: string): Promise<DownloadedImage> {
    const abort = new AbortController();
    const timeoutMs = this.config.MEDIA_DOWNLOAD_TIMEOUT_MS;
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      let current = url;
      for (let hop = 0; ; hop++) {
        const res = await this.get(current, abort.signal, timeoutMs);
        const location = res.headers['location'];
        if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
          res.data.destroy();
          if (hop >= MAX_REDIRECTS) {
            throw new ImageRejectedError(`${shown(url)}: more than ${MAX_REDIRECTS} redirects`);
          }
          current = new URL(location, current).toString();
          continue;
        }
        return await this.read(res, current, abort.signal, timeoutMs);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async get(url: string, signal: AbortSignal, timeoutMs: number) {
    const check = checkPublicHttpUrl(url, this.config.MEDIA_ALLOWED_HOSTS);
    if (!check.ok) throw new ImageRejectedError(`${shown(url)}: ${check.reason}`);
    try {
      return await this.http.axiosRef.request<Readable>({
        url: check.url.toString(),
        method: 'GET',
        responseType: 'stream',
        maxRedirects: 0,
        // A proxy would resolve the name itself and defeat the address check.
        proxy: false,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        signal,
        timeout: timeoutMs,
        validateStatus: () => true,
        headers: { Accept: 'image/jpeg, image/png' },
      });
    } catch (e) {
      const code = isAxiosError(e) ? e.code : undefined;
      if (code === BLOCKED_ADDRESS_CODE) {
        throw new ImageRejectedError(
          `${shown(url)}: resolves to a private, loopback or link-local address`,
        );
      }
      throw this.unreachable(url, signal.aborted ? 'timed out' : (code ?? 'failed'));
    }
  }

  private async read(
    res: AxiosResponse<Readable>,
    url: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<DownloadedImage> {
    const stream = res.data;
    const refuse = (reason: string) => {
      stream.destroy();
      return new ImageRejectedError(`${shown(url)}: ${reason}`);
    };
    if (res.status >= 500) {
      stream.destroy();
      throw this.unreachable(url, `HTTP ${res.status}`);
    }
    if (res.status !== 200) throw refuse(`HTTP ${res.status}`);
    const declared = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!ALLOWED_TYPES.has(declared))
      throw refuse(`content-type ${declared || '(none)'} is not jpg/png`);
    const max = Math.min(this.config.MEDIA_MAX_BYTES, WECOM_LIMITS.maxImageBytes);
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > max) throw refuse(`${length} bytes, at most ${max}`);

    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of stream) {
        total += (chunk as Buffer).length;
        if (total > max) throw refuse(`more than ${max} bytes`);
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (e instanceof ImageRejectedError) throw e;
      throw this.unreachable(
        url,
        signal.aborted ? `timed out after ${timeoutMs} ms` : 'connection lost',
      );
    }
    const data = Buffer.concat(chunks);
    if (data.length < WECOM_LIMITS.minMediaBytes) throw refuse(`only ${data.length} bytes`);
    const type = sniff(data);
    if (!type) throw refuse('the content is not a jpg or png image');
    return {
      data,
      contentType: type,
      filename: filenameOf(new URL(url), type),
      sha256: createHash('sha256').update(data).digest('hex'),
    };
  }

  /** The image host failed (down, slow, 5xx): trying again later may work. */
  private unreachable(url: string, why: string): WecomRetryableError {
    return new WecomRetryableError(IMAGE_DOWNLOAD, null, `${shown(url)}: ${why}`, 5_000);
  }
}
