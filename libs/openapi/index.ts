export * from './api-error-responses.decorator';
export * from './build-document';
export * from './openapi-document.holder';
