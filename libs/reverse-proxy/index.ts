export * from './reverse-proxy';
