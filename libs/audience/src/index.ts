export * from './audience-rule';
export {
  AudienceCursor,
  AudienceStrategy,
  // The strategies' statements themselves, for bench:audience to time side by side.
  audienceCountQuery,
  audiencePageQuery,
} from './audience-query';
export * from './select-audience.service';
export { RfmComputation, RfmService } from './rfm.service';
export * from './audience.module';
export {
  AUDIENCE_TRIGGERS,
  backfillBuyerProjection,
  backfillLabelOrders,
  backfillSharedExternalIds,
} from './audience.triggers';
export { assignSenders, readOwners, RunSenders } from './owners';
