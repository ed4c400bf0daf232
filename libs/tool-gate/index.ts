export * from './tool-gate';
export * from './tool-gate.module';
export * from './tool-gate.types';
export * from './tool-policy';
