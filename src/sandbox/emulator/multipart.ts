/** Reads the `media` part of a multipart upload with busboy, bounded so a huge body cannot exhaust memory. */
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';

export interface UploadedPart {
  bytes: Buffer;
  filename: string;
  mimeType: string;
  /** True when the part was longer than `maxBytes` (its bytes are cut there). */
  truncated: boolean;
}

export type MultipartResult =
  | { kind: 'file'; part: UploadedPart }
  | { kind: 'missing' }
  | { kind: 'noFilename' }
  | { kind: 'malformed'; reason: string };

/** Parses `req` and returns the part named `media` (the first, if several). Never rejects. */
export function readMediaPart(req: IncomingMessage, maxBytes: number): Promise<MultipartResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: MultipartResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: maxBytes, files: 4, fields: 20, parts: 30 } });
    } catch (e) {
      req.resume(); // drain, so the answer can go out on a healthy connection
      done({ kind: 'malformed', reason: e instanceof Error ? e.message : 'not multipart' });
      return;
    }
    let found: UploadedPart | undefined;
    let sawFieldNamedMedia = false;
    bb.on('file', (name, stream, info) => {
      if (name !== 'media' || found) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      const part: UploadedPart = { bytes: Buffer.alloc(0), filename: info.filename ?? '', mimeType: info.mimeType, truncated: false };
      found = part;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        part.truncated = true;
      });
      stream.on('end', () => {
        part.bytes = Buffer.concat(chunks);
      });
    });
    bb.on('field', (name) => {
      if (name === 'media') sawFieldNamedMedia = true;
    });
    bb.on('close', () => {
      if (found) done(found.filename ? { kind: 'file', part: found } : { kind: 'noFilename' });
      else done(sawFieldNamedMedia ? { kind: 'noFilename' } : { kind: 'missing' });
    });
    bb.on('error', (e: unknown) => {
      req.unpipe(bb);
      req.resume();
      done({ kind: 'malformed', reason: e instanceof Error ? e.message : 'bad multipart body' });
    });
    req.on('error', (e) => done({ kind: 'malformed', reason: e.message }));
    req.pipe(bb);
  });
}
