import type { CoreTurn, InboundCoreActivity } from './activity';

/** The bot's logic as the core sees it: one turn at a time. */
export type CoreLogic = (turn: CoreTurn) => Promise<void>;

/**
 * What a framework shell does for the channel engine: turn a plain activity into the framework's
 * turn context and run it through the framework's middleware and the bot's logic. The engine
 * knows nothing else of the framework.
 */
export interface TurnHost {
  /**
   * Runs `activity` as one turn. `seed` fills the turn state (the turn's info) before any middleware
   * runs; `wrap`, when given, runs around the bot's logic inside the middleware (the welcome turn
   * sends its one message there). Rejects when the turn fails: the pipeline retries it.
   */
  runTurn(activity: InboundCoreActivity, seed: (turn: CoreTurn) => void, wrap?: (turn: CoreTurn, logic: CoreLogic) => Promise<void>): Promise<void>;
}
