export * from './audience-rule';
export { AudienceCursor, AudienceStrategy } from './audience-query';
export * from './select-audience.service';
export * from './audience.module';
