import type { FileTypeResult } from 'file-type' with { 'resolution-mode': 'import' };

/** file-type's buffer sniffer, as the package exports it. */
export type FileTypeFromBuffer = (bytes: Uint8Array) => Promise<FileTypeResult | undefined>;

let loading: Promise<FileTypeFromBuffer> | undefined;

/**
 * file-type is ESM-only and this package is CommonJS, so it is loaded once with a dynamic
 * `import()` (kept as-is by `module: node20`) and the promise is cached: every later call is free.
 *
 * @example
 * const sniff = await loadFileType();
 * await sniff(bytes); // { ext: 'png', mime: 'image/png' }
 */
export function loadFileType(): Promise<FileTypeFromBuffer> {
  loading ??= import('file-type').then((m) => m.fileTypeFromBuffer).catch((e: unknown) => {
    loading = undefined; // let a later call try again rather than caching the failure
    throw e;
  });
  return loading;
}
