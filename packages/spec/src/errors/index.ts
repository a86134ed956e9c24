export * from './llm-service-error.js';
export * from './adapter-error.js';
export * from './config-error.js';
