import { Module } from '@nestjs/common';
import { ClockModule } from '@app/common';
import { ContactLedger } from './ledger/contact-ledger.service';
import { ContactPolicyService } from './policy/contact-policy.service';
import { SuppressionService } from './suppression/suppression.service';

/** The customer-level contact policy every rule obeys (docs/AUDIENCE.md "Contact policy"). */
@Module({
  imports: [ClockModule],
  providers: [ContactPolicyService, ContactLedger, SuppressionService],
  exports: [ContactPolicyService, ContactLedger, SuppressionService],
})
export class ContactPolicyModule {}
