export * from './activity';
export * from './turnHost';
