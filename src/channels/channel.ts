/** A channel: one CSA (kf account) of one corp, the department that handles its chats, and its agents. */
export interface Channel {
  /** Case-sensitive, `[0-9A-Za-z_-]`, at most 32 characters: it travels as the chat link's `scene`. */
  readonly id: string;
  readonly corpId: string;
  readonly name: string;
  /** The CSA's `open_kfid`. One channel per CSA. */
  readonly openKfId: string;
  /** Who handles the channel's chats; carried to the bot as `channelData.department`. */
  readonly department: string;
  /** WeCom user ids assigned as the CSA's servicers, sorted. */
  readonly agents: readonly string[];
  /** The chat link (`kf/add_contact_way` with the channel id as scene), once asked for. */
  readonly chatLink?: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A corp the deployment serves, as the channels layer needs to know it. */
export interface CorpInfo {
  readonly corpId: string;
  readonly name?: string;
  /** Whether an admin of the corp has authorised the app (always true in self-built mode). */
  readonly authorised: boolean;
  /**
   * Provider mode: the CSAs the corp authorised to the app (from `kf_account_auth_change`). WeCom's own
   * `manage_privilege` in `kf/account/list` wins when it is given; this list decides only when it is not.
   */
  readonly kfAccounts?: readonly string[];
}

/** What WeCom said for one user of an agent assignment. */
export interface AgentResult {
  readonly userId: string;
  readonly ok: boolean;
  readonly errcode?: number;
  readonly message?: string;
}
