import { Module } from '@nestjs/common';
import { ContactPolicyModule } from '@app/contact-policy';
import { SelectAudienceService } from './select-audience.service';

/** Audience selection; needs the app's DatabaseModule and AppConfigModule. */
@Module({
  imports: [ContactPolicyModule],
  providers: [SelectAudienceService],
  exports: [SelectAudienceService],
})
export class AudienceModule {}
