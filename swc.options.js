/**
 * The one set of @swc/core options for running TypeScript without a build: Jest (@swc/jest) and
 * the child-process require hook (test/support/swc-register.js). Decorator metadata is kept
 * because Nest's dependency injection needs it.
 */
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
