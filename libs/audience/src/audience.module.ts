import { Module } from '@nestjs/common';
import { ContactPolicyModule } from '@app/contact-policy';
import { RfmService } from './rfm.service';
import { SelectAudienceService } from './select-audience.service';

/** Audience selection; needs the app's DatabaseModule and AppConfigModule. */
@Module({
  imports: [ContactPolicyModule],
  providers: [SelectAudienceService, RfmService],
  exports: [SelectAudienceService, RfmService],
})
export class AudienceModule {}
