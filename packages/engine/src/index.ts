export * from './plan/index.ts';
