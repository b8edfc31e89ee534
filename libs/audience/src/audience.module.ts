import { Module } from '@nestjs/common';
import { SelectAudienceService } from './select-audience.service';

/** Audience selection; needs the app's DatabaseModule and AppConfigModule. */
@Module({
  providers: [SelectAudienceService],
  exports: [SelectAudienceService],
})
export class AudienceModule {}
