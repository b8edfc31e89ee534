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
];
