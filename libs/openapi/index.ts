export * from './build-document';
export * from './openapi-document.holder';
export * from './api-error-responses.decorator';
