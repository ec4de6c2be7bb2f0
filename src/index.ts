/**
 * The public API of the WeChat channel for Bot Framework. Everything else is internal.
 */
export * from './common';
