export * from './activity';
export * from './turnHost';
export * from './channelEvents';
export * from './handoffEvents';
