/** A response body as undici gives it: chunks of bytes, and a way to stop receiving them. */
export interface ByteStream extends AsyncIterable<unknown> {
  destroy(): unknown;
}

/**
 * Reads a body into one buffer, or undefined (and the body destroyed) once it passes `maxBytes`, so
 * an oversized download stops at the cap instead of being held whole. With a `declared` length the
 * buffer is allocated once, so a file is held once, not twice (chunks plus their concatenation), and
 * a body longer than declared is an error.
 *
 * @example
 * const bytes = await readCapped(res.body, undefined, 20 * 2 ** 20);
 * if (!bytes) throw new Error('larger than 20 MB');
 */
export async function readCapped(body: ByteStream, declared: number | undefined, maxBytes: number): Promise<Buffer | undefined> {
  const whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    if (total + bytes.length > maxBytes || (whole && total + bytes.length > whole.length)) {
      body.destroy();
      if (total + bytes.length > maxBytes) return undefined;
      throw new Error(`the body is longer than its Content-Length ${declared ?? '?'}`);
    }
    if (whole) bytes.copy(whole, total);
    else chunks.push(bytes);
    total += bytes.length;
  }
  if (whole) return total === whole.length ? whole : whole.subarray(0, total);
  return Buffer.concat(chunks, total);
}
