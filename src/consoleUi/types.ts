/** What the server answers (see src/bot/console/consoleState.ts and src/licensing/statusView.ts). */
export interface ScheduleEntry { id: string; startsAt: string; endsAt: string; state: string; origin: string; cost?: number; agents?: number }
export interface Warning { kind: string; message: string }
export interface Licence {
  corpId: string; status: string; valid: boolean; daysLeft?: number; trialEndsAt: string; activeUntil?: string;
  creditBalance: number; agentCount: number; yearCost: number; autoRenew: boolean; authorised: boolean;
  schedule: ScheduleEntry[]; warnings: Warning[]; reason?: { code: string; message: string; needed?: number; balance?: number };
}
export interface Conversation {
  id: string; corpId: string; openKfId: string; customer: string; servedBy: string; servicer?: string;
  lastCustomerMessageAt: string | null;
  window: { open: boolean; repliesLeft: number; closesAt: string | null; lockedReason?: string; lockedAt?: string };
}
export interface Snapshot {
  mode: string; sandbox: boolean; now: string; testClock: boolean;
  corps: Licence[]; inbox: { pending: number; held: number; failed: number; refused: number };
  conversations: Conversation[];
}
export interface ChatLine { msgid: string; from: 'customer' | 'bot' | 'agent'; msgtype: string; payload: Record<string, unknown>; at: string }
export interface Session { mode: string; sandbox: boolean; adminEnabled: boolean; token?: string }
/** `/admin/v1/corps/:corpId/channels` and `/kf-accounts` (see src/channels). */
export interface Channel { id: string; corpId: string; name: string; openKfId: string; department: string; agents: string[]; chatLink?: string; createdAt: string; updatedAt: string }
export interface KfAccount { openKfId: string; name: string; managed: boolean; channelId?: string }
export interface AgentResult { userId: string; ok: boolean; errcode?: number; message?: string }
