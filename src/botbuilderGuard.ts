/**
 * The first thing the main entry loads. That entry is the Bot Framework SDK shell and needs
 * botbuilder, an optional peer since the Microsoft 365 Agents SDK has its own entry
 * (`wecom-kf-botbuilder/agents`). Without this check, an Agents SDK bot that imports the main entry
 * would get Node's bare "Cannot find module 'botbuilder'" from somewhere deep in dist/, which says
 * neither which entry to use nor what to install.
 */
import { WeComChannelError } from './common';

/** The name users install and require. */
const PACKAGE = 'wecom-kf-botbuilder';

/**
 * The main entry was loaded where botbuilder cannot be found. The message says both ways out:
 * install botbuilder (Bot Framework SDK bots) or import the Agents SDK entry instead.
 *
 * @example
 * try { require('wecom-kf-botbuilder'); }
 * catch (e) { if (isChannelError(e, 'botbuilder_missing')) console.error(e.message); }
 */
export class BotbuilderMissingError extends WeComChannelError {
  override readonly name = 'BotbuilderMissingError' as const;
  readonly code = 'botbuilder_missing' as const;

  constructor(cause: unknown) {
    super(
      `${PACKAGE}: this entry is the Bot Framework SDK shell and needs botbuilder, which cannot be found. `
        + 'For a Bot Framework SDK bot: npm install botbuilder. '
        + `For a Microsoft 365 Agents SDK bot: require('${PACKAGE}/agents') (import from '${PACKAGE}/agents') instead`,
      { cause },
    );
  }
}

/**
 * Throws `BotbuilderMissingError` when `resolve('botbuilder')` finds no such module; any other
 * failure of `resolve` is rethrown as it is. Resolves only: nothing is loaded.
 */
export function assertBotbuilderInstalled(resolve: (id: string) => string = require.resolve): void {
  try {
    resolve('botbuilder');
  } catch (e) {
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'MODULE_NOT_FOUND') throw new BotbuilderMissingError(e);
    throw e;
  }
}

assertBotbuilderInstalled();
