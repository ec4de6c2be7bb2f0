import { judgeMedia, MB, MEDIA_RULES, MIN_BYTES_EXCLUSIVE, ruleFor } from '../../src/middleware/mediaRules';

// The table as product.md states it; if mediaRules.ts drifts from the product, this fails.
const PRODUCT_TABLE = [
  { kind: 'image', formats: ['jpg', 'png'], max: 2 * MB },
  { kind: 'video', formats: ['mp4'], max: 10 * MB },
  { kind: 'voice', formats: ['amr'], max: 2 * MB },
  { kind: 'file', formats: ['pdf', 'doc', 'docx', 'xls', 'xlsx'], max: 20 * MB },
] as const;

const rows = PRODUCT_TABLE.flatMap((r) => r.formats.map((type) => ({ ...r, type })));

describe('media rules table', () => {
  it('mirrors product.md row by row (MB = 1024 × 1024 bytes, more than 5 bytes)', () => {
    expect(MB).toBe(1_048_576);
    expect(MIN_BYTES_EXCLUSIVE).toBe(5);
    expect(MEDIA_RULES.map((r) => ({ kind: r.kind, formats: Object.keys(r.formats), max: r.maxBytes }))).toEqual(
      PRODUCT_TABLE.map((r) => ({ kind: r.kind, formats: [...r.formats], max: r.max })),
    );
  });

  describe.each(rows)('$type ($kind, at most $max bytes)', ({ type, kind, max }) => {
    it('refuses 5 bytes as too small', () => {
      expect(judgeMedia(type, 5)).toMatchObject({ ok: false, reason: 'too-small', kind, detectedType: type, size: 5, limit: 5 });
    });
    it('accepts 6 bytes', () => {
      expect(judgeMedia(type, 6)).toMatchObject({ ok: true, kind, type, size: 6 });
    });
    it('accepts exactly the limit', () => {
      expect(judgeMedia(type, max)).toMatchObject({ ok: true, kind, type, limit: max });
    });
    it('refuses one byte over the limit', () => {
      expect(judgeMedia(type, max + 1)).toMatchObject({ ok: false, reason: 'too-large', kind, detectedType: type, size: max + 1, limit: max });
    });
  });

  it.each(['exe', 'elf', 'macho', 'jar', 'apk'])('refuses %s as an executable, whatever its size', (type) => {
    expect(judgeMedia(type, 4096)).toMatchObject({ ok: false, reason: 'executable', detectedType: type });
  });

  it.each(['gif', 'webp', 'zip', 'mov', 'mp3', 'silk', 'cfb', 'ppt', 'pptx', 'docm'])('refuses %s as unsupported', (type) => {
    expect(judgeMedia(type, 4096)).toMatchObject({ ok: false, reason: 'unsupported-type', detectedType: type });
  });

  it('refuses bytes of no known type, keeping the kind the sender meant', () => {
    expect(judgeMedia(undefined, 4096, 'voice')).toMatchObject({ ok: false, reason: 'unsupported-type', kind: 'voice', detectedType: undefined });
  });

  it('gives the content type sent to WeCom from the table, not from the sender', () => {
    expect(judgeMedia('jpg', 100)).toMatchObject({ contentType: 'image/jpeg' });
    expect(judgeMedia('xls', 100)).toMatchObject({ kind: 'file', contentType: 'application/vnd.ms-excel' });
    expect(ruleFor('toString')).toBeUndefined(); // no prototype keys leak in as formats
  });
});
