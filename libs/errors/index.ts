export * from './all-exceptions.filter';
export * from './app.exception';
export * from './error-envelope';
export * from './validation.pipe';
