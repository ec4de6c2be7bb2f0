/**
 * WeCom's media limits, as product.md's table states them, in one place. Both directions and every
 * test read this table; nothing else in the package knows a size or a format.
 *
 * Sizes are binary: 1 MB = 1024 × 1024 bytes (WeCom's documents say "MB" without defining it; the
 * binary reading is the larger one only by 4.9 %, and the emulator enforces the same constants).
 */

/** WeCom's upload types (`media/upload?type=`); product.md calls `voice` "audio". */
export type MediaKind = 'image' | 'voice' | 'video' | 'file';

/** One megabyte: 1024 × 1024 bytes. */
export const MB = 1024 * 1024;

/** Every kind must be MORE than this many bytes (so 5 bytes is refused, 6 accepted). */
export const MIN_BYTES_EXCLUSIVE = 5;

export interface MediaRule {
  readonly kind: MediaKind;
  /** Detected type (file-type's `ext`, plus `doc`/`xls`) → the content type sent to WeCom. */
  readonly formats: Readonly<Record<string, string>>;
  /** The largest accepted size in bytes (inclusive). */
  readonly maxBytes: number;
}

/**
 * product.md § Messages and attachments, row by row.
 *
 * @example
 * MEDIA_RULES.find((r) => 'png' in r.formats) // { kind: 'image', maxBytes: 2 * MB, … }
 */
export const MEDIA_RULES: readonly MediaRule[] = [
  { kind: 'image', formats: { jpg: 'image/jpeg', png: 'image/png' }, maxBytes: 2 * MB },
  { kind: 'video', formats: { mp4: 'video/mp4' }, maxBytes: 10 * MB },
  { kind: 'voice', formats: { amr: 'audio/amr' }, maxBytes: 2 * MB },
  {
    kind: 'file',
    formats: {
      pdf: 'application/pdf',
      doc: 'application/msword',
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      xls: 'application/vnd.ms-excel',
      xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    },
    maxBytes: 20 * MB,
  },
];

/**
 * Types that run code when opened. They are refused with their own reason (not just "unsupported"),
 * because a renamed executable is an attack, not a mistake the sender can fix by converting.
 */
export const EXECUTABLE_TYPES: ReadonlySet<string> = new Set(['exe', 'elf', 'macho', 'class', 'jar', 'apk', 'wasm', 'lnk']);

/**
 * Why media was refused:
 * - `too-small`: 5 bytes or fewer (`limit` 5, exclusive);
 * - `too-large`: above the kind's limit (`limit` = that limit);
 * - `executable`: the bytes are a program, whatever the name says;
 * - `unsupported-type`: a real type, or none, that no row accepts.
 */
export type MediaRejectionReason = 'too-small' | 'too-large' | 'executable' | 'unsupported-type';

export type MediaVerdict =
  | { readonly ok: true; readonly kind: MediaKind; readonly type: string; readonly contentType: string; readonly size: number; readonly limit: number }
  | {
      readonly ok: false;
      readonly reason: MediaRejectionReason;
      /** The kind the bytes belong to, else the kind the sender meant (`kindHint`), if any. */
      readonly kind?: MediaKind;
      readonly detectedType?: string;
      readonly size: number;
      readonly limit?: number;
    };

/** The row that accepts a detected type, if any. */
export function ruleFor(type: string | undefined): MediaRule | undefined {
  return type === undefined ? undefined : MEDIA_RULES.find((r) => Object.hasOwn(r.formats, type));
}

/**
 * Judges media by its detected type and size against {@link MEDIA_RULES}. Pure.
 * Order: too small (no format fits in 5 bytes, so this comes first), executable, unsupported, too large.
 *
 * @example
 * judgeMedia('png', 2 * MB)      // { ok: true, kind: 'image', contentType: 'image/png', … }
 * judgeMedia('png', 2 * MB + 1)  // { ok: false, reason: 'too-large', kind: 'image', limit: 2097152, … }
 * judgeMedia('exe', 4096)        // { ok: false, reason: 'executable', … }
 */
export function judgeMedia(type: string | undefined, size: number, kindHint?: MediaKind): MediaVerdict {
  const rule = ruleFor(type);
  const kind = rule?.kind ?? kindHint;
  if (size <= MIN_BYTES_EXCLUSIVE) return { ok: false, reason: 'too-small', kind, detectedType: type, size, limit: MIN_BYTES_EXCLUSIVE };
  if (type !== undefined && EXECUTABLE_TYPES.has(type)) return { ok: false, reason: 'executable', kind, detectedType: type, size };
  if (!rule || type === undefined) return { ok: false, reason: 'unsupported-type', kind, detectedType: type, size };
  if (size > rule.maxBytes) return { ok: false, reason: 'too-large', kind, detectedType: type, size, limit: rule.maxBytes };
  return { ok: true, kind: rule.kind, type, contentType: rule.formats[type]!, size, limit: rule.maxBytes };
}

/** A sentence for people (logs, a bot's apology); match on `reason`, not on this text. */
export function describeRejection(v: Extract<MediaVerdict, { ok: false }>): string {
  const what = v.detectedType ? `a ${v.detectedType} file` : 'a file of unknown type';
  switch (v.reason) {
    case 'too-small':
      return `${what} of ${v.size} bytes is too small: WeCom needs more than ${MIN_BYTES_EXCLUSIVE} bytes`;
    case 'too-large':
      return `${what} of ${v.size} bytes is larger than the ${v.kind} limit of ${v.limit} bytes`;
    case 'executable':
      return `${what} is a program and is never sent or accepted`;
    case 'unsupported-type':
      return `${what} is not accepted: images must be JPG/PNG, video MP4, audio AMR, files PDF/DOC/DOCX/XLS/XLSX`;
  }
}
