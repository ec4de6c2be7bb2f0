/**
 * The sandbox's WeCom: an HTTP server on loopback with WeCom kf's endpoints, rules and errcodes,
 * simulated customers and servicers, encrypted callbacks, fault injection and a call log.
 * Independent of the production client: it imports nothing from src/wecom or src/adapter.
 */
export { WeComEmulator } from './emulator';
export type { CorpCredentials, CustomerOptions, EmulatorOptions, RawEvent } from './emulator';
export { SimulatedCustomer } from './customer';
export type { EnteredSession, EnterOptions } from './customer';
export { SimulatedServicer } from './servicerClient';
export type { Published } from './core';
export type { DeliveryReport, DeliveryStatus, UrlVerification } from './callbacks';
export type { CallRecord } from './server';
export { FaultInjector } from './faults';
export type { Fault, FaultRule } from './faults';
export { defaultSwitches } from './switches';
export type { EmulatorSwitches } from './switches';
export { errcodes } from './errors';
export type { MediaItem, MediaType } from './media';
export { maxBytesFor } from './media';
export { readMediaPart, type MultipartResult, type UploadedPart } from './multipart';
export type { SentMessage, ServiceState, ServicerStatus, SyncMessage } from './state';
export { ProviderEmulator } from './provider';
export type { AuthorisationView, Installed, SuiteCredentials } from './provider';
