import { createLogger } from '../../src/common/logger';

function capture(): { lines: string[]; destination: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

describe('logger', () => {
  it('replaces secrets and tokens wherever a caller puts them', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    log.info({ access_token: 'AT-123', corp: { secret: 'S-456', encodingAesKey: 'K-789' }, req: { headers: { authorization: 'Bearer B-1' } } }, 'hello');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of ['AT-123', 'S-456', 'K-789', 'Bearer B-1']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
    expect(line).toContain('hello');
  });
});
