import { Module } from '@nestjs/common';
import { ClockModule } from '@app/common';
import { ContactIdentityService } from './contact-identity.service';
import { IdentityService } from './identity.service';
import { IdentityMappingService } from './identity-mapping.service';

/** Buyer identity (docs/INGEST.md "Identity"). Needs the app's DatabaseModule. */
@Module({
  imports: [ClockModule],
  providers: [IdentityService, ContactIdentityService, IdentityMappingService],
  exports: [IdentityService, ContactIdentityService, IdentityMappingService],
})
export class IdentityModule {}
