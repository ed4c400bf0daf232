export * from './app.exception';
export * from './error-envelope';
export * from './all-exceptions.filter';
export * from './validation.pipe';
