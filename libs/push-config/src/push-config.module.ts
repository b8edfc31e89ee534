import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WechatLabel } from '@app/database';
import { ContactPolicyModule } from '@app/contact-policy';
import { WechatPush } from './entities/wechat-push.entity';
import { WechatPushResult } from './entities/wechat-push-result.entity';
import { WechatPushTime } from './entities/wechat-push-time.entity';
import { PushRuleRepository } from './push-rule.repository';
import { PushRuleService } from './push-rule.service';
import { RuleReadCache } from './rule-read-cache';
import { RuleApprovalService } from './rule-approval.service';
import { RuleVersionRepository } from './rule-version.repository';

@Module({
  imports: [
    TypeOrmModule.forFeature([WechatPush, WechatPushTime, WechatPushResult, WechatLabel]),
    ContactPolicyModule,
  ],
  providers: [
    PushRuleRepository,
    PushRuleService,
    RuleReadCache,
    RuleVersionRepository,
    RuleApprovalService,
  ],
  exports: [
    PushRuleRepository,
    PushRuleService,
    RuleApprovalService,
    TypeOrmModule,
    ContactPolicyModule,
  ],
})
export class PushConfigModule {}
