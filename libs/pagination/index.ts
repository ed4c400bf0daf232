export * from './cursor';
export * from './page.query';
export * from './paginate';
export * from './api-page-response.decorator';
