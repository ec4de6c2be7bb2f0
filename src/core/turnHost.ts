import type { CoreTurn, InboundCoreActivity } from './activity';

/** The bot's logic as the core sees it: one turn at a time. */
export type CoreLogic = (turn: CoreTurn) => Promise<void>;

/**
 * What a framework shell does for the channel engine: turn a plain activity into the framework's
 * turn context and run it through the framework's middleware and the bot's logic. The engine
 * knows nothing else of the framework; the shell keeps the bot's logic (its type is the
 * framework's) and tells the engine whether it has one.
 *
 * @example
 * // botbuilder shell (a BotAdapter):
 * hasLogic() { return this.logic !== undefined; }
 * async runTurn(activity, seed, wrap) {
 *   const context = new TurnContext(this, activity);
 *   seed(context);
 *   await this.runMiddleware(context, wrap ? (c) => wrap(c, (t) => this.logic!(t as TurnContext)) : this.logic!);
 * }
 */
export interface TurnHost {
  /**
   * Whether the bot's logic is known (the shell's `process(req, res, logic)` or `start(logic)` ran).
   * Without it the engine runs no turn: inbox messages wait, channel-raised events are dropped.
   */
  hasLogic(): boolean;
  /**
   * Runs `activity` as one turn. `seed` fills the turn state (the turn's info) before any middleware
   * runs; `wrap`, when given, runs around the bot's logic inside the middleware (the welcome turn
   * sends its one message there), and must call `logic` with the turn it was given. Rejects when
   * the turn fails: the pipeline retries it. Only called while {@link hasLogic} is true.
   */
  runTurn(activity: InboundCoreActivity, seed: (turn: CoreTurn) => void, wrap?: (turn: CoreTurn, logic: CoreLogic) => Promise<void>): Promise<void>;
}
