export * from './plan/index.ts';
export * from './report/index.ts';
export * from './run/index.ts';
export * from './session.ts';
export * from './service/index.ts';
