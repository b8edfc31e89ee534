import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import FormData from 'form-data';
import Redis from 'ioredis';
import {
  APP_CONFIG,
  AppConfig,
  REDIS_CLIENT,
  RedisSingleFlight,
  redisKey,
  SingleFlightTimeoutError,
} from '@app/common';
import { ImageDownloadService } from './image-download.service';
import { WecomApi } from './wecom-api.service';
import { ENDPOINTS } from './wecom-endpoints';
import { WecomFatalError, WecomRetryableError } from './wecom-errors';
import { WECOM_LIMITS } from './wecom-limits';
import { UploadedMedia, WecomAnswer } from './wecom.types';

interface UploadAnswer extends WecomAnswer {
  media_id: string;
  created_at: string;
}

interface MediaFile {
  data: Buffer;
  filename: string;
  contentType: string;
}

interface CachedMedia {
  mediaId: string;
  /** When this process stops reusing it (epoch ms), before WeCom's 3 days run out. */
  reuseUntil: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Temporary media (media/upload, type image) and the image cache: an image URL maps to a
 * media_id for WECOM_MEDIA_URL_CACHE_SECONDS without downloading again, and an image's
 * content maps to its media_id for WECOM_MEDIA_CACHE_SECONDS (< the 3 days WeCom keeps it),
 * so one run, and runs within that window, upload each image once.
 */
@Injectable()
export class WecomMediaService {
  private readonly flight: RedisSingleFlight;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly api: WecomApi,
    private readonly downloads: ImageDownloadService,
  ) {
    this.flight = new RedisSingleFlight(redis);
  }

  async uploadMedia(file: MediaFile): Promise<UploadedMedia> {
    const endpoint = ENDPOINTS.mediaUpload;
    const n = file.data.length;
    if (n < WECOM_LIMITS.minMediaBytes || n > WECOM_LIMITS.maxImageBytes) {
      throw new WecomFatalError(
        endpoint.name,
        40009,
        `image of ${n} bytes (refused before calling WeCom)`,
      );
    }
    const answer = await this.api.call<UploadAnswer>(endpoint, () => {
      const form = new FormData();
      form.append('media', file.data, {
        filename: file.filename,
        contentType: file.contentType,
        knownLength: n,
      });
      return { params: { type: 'image' }, data: form, headers: form.getHeaders() };
    });
    const created = Number(answer.created_at) * 1000;
    return {
      mediaId: answer.media_id,
      createdAt: new Date(Number.isFinite(created) ? created : Date.now()),
    };
  }

  /** The media_id of the image at `url`, downloading and uploading only when no cache has it. */
  async mediaIdForImageUrl(url: string): Promise<string> {
    const key = this.key('url', sha256(url));
    const raw = await this.once(key, async () => {
      const image = await this.downloads.download(url);
      const byContent = await this.once(this.key('sha256', image.sha256), async () => {
        const uploaded = await this.uploadMedia(image);
        // Counted from the earlier of WeCom's and our clock, so a skewed clock cannot stretch it.
        const from = Math.min(uploaded.createdAt.getTime(), Date.now());
        const cached: CachedMedia = {
          mediaId: uploaded.mediaId,
          reuseUntil: from + this.config.WECOM_MEDIA_CACHE_SECONDS * 1000,
        };
        return { value: JSON.stringify(cached), ttlMs: cached.reuseUntil - Date.now() };
      });
      const cached = JSON.parse(byContent) as CachedMedia;
      const ttlMs = Math.min(
        this.config.WECOM_MEDIA_URL_CACHE_SECONDS * 1000,
        cached.reuseUntil - Date.now(),
      );
      return { value: byContent, ttlMs };
    });
    return (JSON.parse(raw) as CachedMedia).mediaId;
  }

  private key(kind: string, digest: string): string {
    // media_ids belong to the corp (any of its apps may use them).
    const corp = sha256(this.config.WECOM_CORP_ID).slice(0, 12);
    return redisKey(this.config, 'wecom', 'media', corp, kind, digest);
  }

  private async once(key: string, load: () => Promise<{ value: string; ttlMs: number }>) {
    const c = this.config;
    const lockTtlMs = c.MEDIA_DOWNLOAD_TIMEOUT_MS + 3 * c.WECOM_TIMEOUT_MS + 5_000;
    try {
      return await this.flight.get(key, { lockTtlMs, waitMs: 2 * lockTtlMs }, load);
    } catch (e) {
      if (e instanceof SingleFlightTimeoutError) {
        throw new WecomRetryableError(
          ENDPOINTS.mediaUpload.name,
          null,
          'another process is still uploading this image',
          5_000,
        );
      }
      throw e;
    }
  }
}
