export * from './entities/wechat-push.entity';
export * from './entities/wechat-push-time.entity';
export * from './entities/wechat-push-result.entity';
export * from './dto/push-rule.dto';
export * from './push-rule.rules';
export * from './push-rule.repository';
export * from './push-rule.service';
export * from './push-config.module';
