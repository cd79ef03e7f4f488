export * from './report/index.ts';
export * from './run/index.ts';
