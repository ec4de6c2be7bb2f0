import { isChannelError, WeComChannelError } from '../common/errors';
import { WeComApiError, WeComHttpError } from '../wecom/errors';

/** The pull lost its lease (expired under a long pause): stop, another instance may pull now. */
export class LeaseLostError extends WeComChannelError {
  override readonly name = 'LeaseLostError' as const;
  readonly code = 'lease_lost' as const;

  constructor(lease: string) {
    super(`lost the lease ${lease}; another instance may take over`);
  }
}

/** Work was queued after the pipeline closed (shutdown). */
export class PipelineClosedError extends WeComChannelError {
  override readonly name = 'PipelineClosedError' as const;
  readonly code = 'pipeline_closed' as const;

  constructor() {
    super('the adapter is shutting down; no new turns start');
  }
}

const transientCodes = new Set(['store_unavailable', 'store_closed', 'lease_lost']);

/** Failures of the world, not of the bot: waited out, never counted towards parking a message. */
export function isTransient(e: unknown): boolean {
  if (e instanceof WeComHttpError) return true;
  if (e instanceof WeComApiError) return e.action === 'retry' || e.action === 'refresh_token';
  return isChannelError(e) && transientCodes.has(e.code);
}
