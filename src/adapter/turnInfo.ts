import type { CoreTurn } from '../core';
import type { CompactContent } from './fromActivity';

/**
 * What the adapter knows about the turn it is running, kept in `turnState`:
 * the anchor of reply msgids (the inbound msgid, so a retried turn derives the same ids), the
 * number of kf messages sent so far, and the welcome code an `enter_session` turn may spend once.
 */
export interface TurnInfo {
  readonly anchor: string;
  replyIndex: number;
  welcomeCode?: string;
  /**
   * Present while a welcome turn's bot logic runs: the message activities it sent, merged and sent
   * as the one welcome message at the end of the turn (see welcomeMessage.ts), and that message's msgid.
   */
  welcome?: { readonly contents: CompactContent[]; msgid?: string };
  /**
   * A turn of an inbox message: what went out so far (outbox id → WeCom's msgid), this attempt's
   * and earlier ones'. The pipeline writes it with the message's next state, one write per turn
   * instead of one per reply. Absent (proactive and event turns): each send is written to the outbox.
   */
  readonly sent?: Map<string, string>;
}

const TURN_INFO = Symbol.for('wecom.turnInfo');

export function setTurnInfo(context: CoreTurn, info: TurnInfo): void {
  context.turnState.set(TURN_INFO, info);
}

/** The turn's info; a context made elsewhere (a test, a foreign adapter) gets a random anchor. */
export function turnInfoOf(context: CoreTurn, makeAnchor: () => string): TurnInfo {
  let info = context.turnState.get(TURN_INFO) as TurnInfo | undefined;
  if (!info) {
    info = { anchor: makeAnchor(), replyIndex: 0 };
    setTurnInfo(context, info);
  }
  return info;
}
