export * from './api-page-response.decorator';
export * from './cursor';
export * from './page.query';
export * from './paginate';
