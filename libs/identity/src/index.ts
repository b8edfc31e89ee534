export * from './identity.module';
export * from './identity.service';
export * from './buyer-identifiers';
export * from './contact-identity.service';
export { IdentityMappingService } from './identity-mapping.service';
export { MAPPING_REJECT_REASONS } from './identity-mapping-csv';
export type { MappingRejection } from './identity-mapping-csv';
