export * from './audience-rule';
export { AudienceCursor } from './audience-query';
export * from './select-audience.service';
export * from './audience.module';
