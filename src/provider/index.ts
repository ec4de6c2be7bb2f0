/**
 * Provider (third-party suite) mode's state and instruction handling: tickets, authorisations
 * (permanent codes encrypted at rest), auth-code dedupe, shared suite and corp tokens.
 */
export { SecretBox, SecretKeyMismatchError, SECRET_KEY_VARIABLE } from './secretBox';
export { SuiteTicketRepository, SUITE_TICKET_TTL_MS, type SuiteTicketDoc } from './suiteTicketRepository';
export { SuiteAuthRepository, type SuiteAuth, type SuiteAuthDoc } from './suiteAuthRepository';
export { AuthCodeRepository, AUTH_CODE_TTL_SECONDS, type AuthCodeDoc } from './authCodeRepository';
export { storeTokens } from './sharedTokens';
export { ProviderEvents, type CorpAuthorisedEvent, type CorpCancelledEvent, type CorpChangedEvent } from './providerEvents';
export { SuiteInstructions, type SuiteInstructionsOptions } from './suiteInstructions';
export { ProviderCorps, type ProviderCorp } from './providerCorps';
export { ProviderMode, type ProviderModeOptions, type InstallLinkResult } from './providerMode';
