export * from './connector';
export * from './tool-catalog.port';
