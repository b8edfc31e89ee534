/**
 * What the api and the operators' console share, as code both can run: plain TypeScript
 * with no imports, so Vite bundles it for the browser (test: rule-validation.spec.ts).
 */
export * from './rule-validation';
