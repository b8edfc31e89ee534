/**
 * What the api and the operators' console share, as code both can run: plain TypeScript
 * that imports nothing but its own files, so Vite bundles it for the browser (test: rule-validation.spec.ts).
 */
export * from './business-time';
export * from './rule-validation';
export * from './contact-policy';
export * from './experiments';
export * from './roles';
export * from './audience';
export * from './sender';
