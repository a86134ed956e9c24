export * from './resolved-config.js';
export * from './schemas.js';
