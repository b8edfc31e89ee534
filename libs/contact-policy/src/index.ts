export { ContactPolicyModule } from './contact-policy.module';
export { ContactPolicyService, ContactPolicyRecord } from './policy/contact-policy.service';
export {
  ContactLedger,
  PageState,
  PageVerdict,
  ReservationConflict,
} from './ledger/contact-ledger.service';
export { RulePolicy, slotRefusal } from './ledger/policy-check';
export { SuppressionService } from './suppression/suppression.service';
export { UnreachableList } from './unreachable/unreachable-list';
