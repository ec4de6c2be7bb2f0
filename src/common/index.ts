export * from './errors';
export * from './clock';
export * from './logger';
export * from './fileType';
export * from './url';
export * from './timeout';
export * from './readCapped';
export * from './lruMap';
