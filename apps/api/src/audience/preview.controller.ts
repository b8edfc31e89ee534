import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  APP_CONFIG,
  AppConfig,
  AppException,
  Clock,
  createValidationPipe,
  formatDateTime,
} from '@app/common';
import { OrderFeedService, orderFeedFreshness } from '@app/ingest';
import { AudienceRule, SelectAudienceService } from '@app/audience';
import { IdDto, PushRuleDto, PushRuleRepository, PushRuleService } from '@app/push-config';
import { ApiEnvelope } from '../http/api-envelope.decorator';
import { AudiencePreviewView } from './preview.dto';
import { RequireRole } from '@app/accounts';
import { NotAudited } from '@app/audit';

/**
 * The body is either a whole rule (validated exactly as create validates it) or `{id}` of
 * a saved rule; Nest's pipe cannot choose between two DTOs, so this route takes the raw
 * body and runs the same pipe with the DTO the body's shape asks for.
 */
@ApiTags('wechatpush')
@Controller('wechatpush')
@RequireRole('editor')
export class PreviewController {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly rules: PushRuleService,
    private readonly savedRules: PushRuleRepository,
    private readonly audience: SelectAudienceService,
    private readonly clock: Clock,
    private readonly feeds: OrderFeedService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('preview')
  @NotAudited()
  @HttpCode(200)
  @ApiOperation({
    summary: '预览目标人群：按规则（未保存）或已保存规则的 id 计算人数与样本，不发送',
  })
  @ApiExtraModels(PushRuleDto, IdDto)
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(PushRuleDto) }, { $ref: getSchemaPath(IdDto) }] },
  })
  @ApiEnvelope(AudiencePreviewView)
  @ApiNotFoundResponse({ description: 'NOT_FOUND（id 不存在或已删除）' })
  async preview(@Body() body: unknown): Promise<AudiencePreviewView> {
    const now = this.clock.now();
    const [preview, feeds] = await Promise.all([
      this.audience.preview(await this.ruleOf(body), now),
      this.feeds.freshness(),
    ]);
    const feed = orderFeedFreshness(feeds, now, this.config.ORDER_FEED_MAX_AGE_HOURS);
    return {
      ...preview,
      orderFeed: {
        ...feed,
        lastSuccessAt: feed.lastSuccessAt ? formatDateTime(feed.lastSuccessAt) : null,
      },
    };
  }

  private async ruleOf(body: unknown): Promise<AudienceRule> {
    if (typeof body === 'object' && body !== null && 'id' in body) {
      const { id } = (await this.validation.transform(body, {
        type: 'body',
        metatype: IdDto,
      })) as IdDto;
      const saved = await this.savedRules.findActive(id);
      if (!saved) throw AppException.notFound('推送规则');
      return saved;
    }
    const rule = (await this.validation.transform(body, {
      type: 'body',
      metatype: PushRuleDto,
    })) as PushRuleDto;
    await this.rules.validate(rule);
    return rule;
  }
}
