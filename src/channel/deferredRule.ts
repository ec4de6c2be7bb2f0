import type { CoreTurn, TurnRule } from '../core';

/**
 * A rule built on first use, for rules that need the store the channel opens lazily (the
 * conversation window). A build that fails is tried again on the next turn.
 *
 * @example
 * const window = new DeferredRule(async () => new WindowMiddleware(new WindowRepository(await channel.store())));
 * adapter.use(window);
 */
export class DeferredRule implements TurnRule {
  private loading?: Promise<TurnRule>;

  constructor(private readonly build: () => Promise<TurnRule>) {}

  async onTurn(turn: CoreTurn, next: () => Promise<void>): Promise<void> {
    this.loading ??= this.build().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    await (await this.loading).onTurn(turn, next);
  }
}
