import { ApiError } from './api';
import type { Session, Snapshot } from './types';

/** What every view gets: the latest snapshot, a way to refresh it, and the status line. */
export interface Ctx {
  readonly session: Session;
  snapshot(): Snapshot | undefined;
  refresh(): Promise<void>;
  /** Says something in the page's live status region (errors are announced assertively). */
  say(message: string, kind?: 'ok' | 'error'): void;
}

export interface View {
  readonly id: string;
  readonly title: string;
  readonly el: HTMLElement;
  update(s: Snapshot): void | Promise<void>;
}

/** Runs an action from a button or form: announces its error instead of losing it. */
export async function attempt(ctx: Ctx, action: () => Promise<unknown>, done?: string): Promise<boolean> {
  ctx.say(''); // the last action's message must not pass for this one's
  try {
    await action();
    if (done) ctx.say(done, 'ok');
    await ctx.refresh();
    return true;
  } catch (e) {
    ctx.say(e instanceof ApiError ? `${e.message}` : `Failed: ${(e as Error).message}`, 'error');
    await ctx.refresh().catch(() => undefined);
    return false;
  }
}
