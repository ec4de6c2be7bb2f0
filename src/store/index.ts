/**
 * The store layer's public face: persistence for everything that must survive a restart or be
 * shared by instances. See docs/store.md.
 */
export type {
  BaseDocument,
  Collection,
  EachUpdate,
  FieldCondition,
  Filter,
  FindOneAndUpdateOptions,
  FindOptions,
  IndexSpec,
  InsertManyResult,
  NewDocument,
  Sort,
  Update,
  UpdateEachResult,
} from './collection';
export type { Store, StoreHealth } from './store';
export { openStore, type OpenStoreOptions } from './openStore';
export { EmbeddedStore, type EmbeddedStoreOptions } from './embeddedStore';
export { SqliteStore, type SqliteStoreOptions } from './sqliteStore';
export { DEFAULT_STORE_ENGINE, detectStoreEngine, storeEngines, type StoreEngine } from './storeEngine';
export { MongoStore, dbNameFromUri, type MongoStoreOptions } from './mongoStore';
export { LeaseRepository, type Lease } from './leaseRepository';
export { LeaseKeeper, type LeaseKeeperOptions } from './leaseKeeper';
export { KeyValueRepository } from './keyValueRepository';
export { StoreStorage } from './storeStorage';
export { filterFieldOperators, filterLogicalOperators, updateOperators } from './validation';
export {
  DuplicateKeyError,
  ETagConflictError,
  InvalidQueryError,
  StoreClosedError,
  StoreCorruptError,
  StoreFileError,
  StoreLockedError,
  StoreUnavailableError,
  UnsupportedOperatorError,
} from './errors';
