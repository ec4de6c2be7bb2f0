/** The WeCom API: typed client, token cache, callback crypto and XML. Knows nothing of Bot Framework or our store. */
export * from './errors';
export * from './errorCodes';
export * from './kfMessages';
export * from './tokenCache';
export * from './transport';
export * from './multipart';
export * from './client';
export * from './crypto';
export * from './callbackErrors';
export * from './callbackXml';
export * from './callback';
export * from './callbackEvents';
export * from './rawBody';
export * from './suiteClient';
export * from './installLink';
export * from './suiteCallbacks';
