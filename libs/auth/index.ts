export * from './principal';
export * from './auth.decorators';
export * from './auth-strategy';
export * from './service-auth.registry';
export * from './auth.guard';
export * from './passwords';
