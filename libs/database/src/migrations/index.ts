import { InitialSchema1732000000000 } from './1732000000000-initial-schema';
import { AudienceBuyerProjection1732400000000 } from './1732400000000-audience-buyer-projection';
import { PushRunsAndBatches1732500000000 } from './1732500000000-push-runs-and-batches';
import { RunSelectionCursor1732550000000 } from './1732550000000-run-selection-cursor';
import { DeliveryAndStatistics1732600000000 } from './1732600000000-delivery-and-statistics';
import { RecipientOutcomes1732610000000 } from './1732610000000-recipient-outcomes';
import { CustomerLabelOrders1732620000000 } from './1732620000000-customer-label-orders';
import { StatisticsCounters1732630000000 } from './1732630000000-statistics-counters';
import { OutcomesByRule1732640000000 } from './1732640000000-outcomes-by-rule';
import { SharedExternalIds1732650000000 } from './1732650000000-shared-external-ids';
import { AttributionGoodsLabels1732660000000 } from './1732660000000-attribution-goods-labels';
import { ContactPolicy1733400000000 } from './1733400000000-contact-policy';
import { ContactLedgerByMonth1733400000001 } from './1733400000001-contact-ledger-by-month';
import { ContactState1733400000002 } from './1733400000002-contact-state';
import { OrderValueAndStatus1733500000000 } from './1733500000000-order-value-and-status';
import { WecomCallbackEvents1733600000000 } from './1733600000000-wecom-callback-events';
import { Experiments1733700000000 } from './1733700000000-experiments';
import { ExperimentAssignmentIndex1733800000000 } from './1733800000000-experiment-assignment-index';
import { VariantPromotions1733900000000 } from './1733900000000-variant-promotions';
import { SchedulerHeartbeats1734000000000 } from './1734000000000-scheduler-heartbeats';
import { RunControlCustomers1734100000000 } from './1734100000000-run-control-customers';
import { UnknownBatchResolution1734300000000 } from './1734300000000-unknown-batch-resolution';
import { OrdersIn1734200000000 } from './1734200000000-orders-in';
import { YouzanPullState1734210000000 } from './1734210000000-youzan-pull-state';
import { WecomContacts1734230000000 } from './1734230000000-wecom-contacts';
import { Accounts1734500000000 } from './1734500000000-accounts';
import { AuditLog1734700000000 } from './1734700000000-audit-log';
import { TestGroup1734800000000 } from './1734800000000-test-group';
import { PreciseTargeting1735000000000 } from './1735000000000-precise-targeting';
import { ResendConfirmations1734900000000 } from './1734900000000-resend-confirmations';
import { BatchClaimToken1734950000000 } from './1734950000000-batch-claim-token';
import { RuleSenders1735100000000 } from './1735100000000-rule-senders';
import { ControlOrders1735200000000 } from './1735200000000-control-orders';
import { AttributionAssignmentOrder1735200000001 } from './1735200000001-attribution-assignment-order';
import { SetBasedCustomerInserts1735310000000 } from './1735310000000-set-based-customer-inserts';
import { AudienceReach1735340000000 } from './1735340000000-audience-reach';
import { DropRedundantLinkIndex1735350000000 } from './1735350000000-drop-redundant-link-index';
import { ContactSyncChunks1734450000000 } from './1734450000000-contact-sync-chunks';
import { SetBasedLinkProjections1734420000000 } from './1734420000000-set-based-link-projections';
import { RuleVersions1734600000000 } from './1734600000000-rule-versions';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the bundled apps and
 * the CLI run exactly the same set. Append new ones at the end; never edit a shipped one.
 */
export const ALL_MIGRATIONS = [
  InitialSchema1732000000000,
  AudienceBuyerProjection1732400000000,
  PushRunsAndBatches1732500000000,
  RunSelectionCursor1732550000000,
  DeliveryAndStatistics1732600000000,
  RecipientOutcomes1732610000000,
  CustomerLabelOrders1732620000000,
  StatisticsCounters1732630000000,
  OutcomesByRule1732640000000,
  SharedExternalIds1732650000000,
  AttributionGoodsLabels1732660000000,
  ContactPolicy1733400000000,
  ContactLedgerByMonth1733400000001,
  ContactState1733400000002,
  OrderValueAndStatus1733500000000,
  WecomCallbackEvents1733600000000,
  Experiments1733700000000,
  ExperimentAssignmentIndex1733800000000,
  VariantPromotions1733900000000,
  SchedulerHeartbeats1734000000000,
  RunControlCustomers1734100000000,
  OrdersIn1734200000000,
  YouzanPullState1734210000000,
  WecomContacts1734230000000,
  UnknownBatchResolution1734300000000,
  SetBasedLinkProjections1734420000000,
  ContactSyncChunks1734450000000,
  Accounts1734500000000,
  RuleVersions1734600000000,
  AuditLog1734700000000,
  TestGroup1734800000000,
  ResendConfirmations1734900000000,
  BatchClaimToken1734950000000,
  PreciseTargeting1735000000000,
  RuleSenders1735100000000,
  ControlOrders1735200000000,
  AttributionAssignmentOrder1735200000001,
  SetBasedCustomerInserts1735310000000,
  AudienceReach1735340000000,
  DropRedundantLinkIndex1735350000000,
];
