/** What the end-to-end benchmark's child process runs: the channel or the minimal flow. */
export interface FlowCredentials {
  readonly corpId: string;
  readonly secret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly apiBaseUrl: string;
}

export interface RunningFlow {
  /** Where the emulator sends callbacks (any path). */
  readonly port: number;
  /** Resolves when no pull or turn is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type FlowKind = 'minimal' | 'channel';

/**
 * Both flows' callback servers listen with room for a whole wave's connections: with Node's 511,
 * a burst of a thousand overflowed the kernel's queue, and each dropped SYN waited 1 s to be sent
 * again, which measured the kernel rather than the flow (the emulator listens the same way).
 */
export const LISTEN_BACKLOG = 4096;

/** Parent → child. */
export type FlowCommand =
  | { readonly cmd: 'start'; readonly flow: FlowKind; readonly credentials: FlowCredentials; readonly dataDir: string }
  /** `gc`: a full GC first (for memory; leave it off around CPU readings). */
  | { readonly cmd: 'usage'; readonly gc?: boolean }
  | { readonly cmd: 'idle' }
  /** V8's CPU profiler in the child: `start`, then `stop` writes the profile (a `.cpuprofile`) to `file`. */
  | { readonly cmd: 'profile'; readonly action: 'start' | 'stop'; readonly file?: string }
  | { readonly cmd: 'stop' };

/** Child → parent: the answer to each command, in order. */
export interface FlowAnswer {
  readonly port?: number;
  /** process.cpuUsage() of the child, µs. */
  readonly cpu?: { user: number; system: number };
  /** Resident set size after a full GC, once the pages the GC freed are returned to the OS (it stops falling), bytes. */
  readonly rss?: number;
  /** Resident set size right after the full GC, bytes: it still holds pages the GC freed, which V8 returns from background threads soon after. */
  readonly rssAtGc?: number;
  /** V8's heap in use after a full GC (`heapUsed`), bytes: live objects, without the allocator's high-water mark that RSS keeps. */
  readonly heapUsed?: number;
  /** V8's heap reserved (`heapTotal`), bytes: what the live objects take plus the free space V8 keeps. */
  readonly heapTotal?: number;
  readonly error?: string;
}
