export * from './connector';
export * from './define-connector';
export * from './tool-catalog.port';
export * from './tool-files';
