/** The sandbox's logs leave the chat's terminal once the log file is known; warnings are still shown. */
import { createLogger } from '../../src/common';
import { LogSink } from '../../src/sandbox';

describe('LogSink', () => {
  it('writes to the first target until redirected, then to the file, summarising warnings to the chat', () => {
    const terminal: string[] = [];
    const file: string[] = [];
    const notices: string[] = [];
    const sink = new LogSink({ write: (l) => terminal.push(l) });
    const logger = createLogger({ level: 'info', destination: sink });
    logger.info('starting');
    sink.redirect({ write: (l) => file.push(l) }, (s) => notices.push(s));
    logger.info({ turn: 1 }, 'turn done');
    logger.warn('WeCom is slow');
    expect(terminal.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['starting']);
    expect(file.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['turn done', 'WeCom is slow']);
    expect(notices).toEqual(['(warning: WeCom is slow)']);
  });

  it('holds lines until it knows where they go, then writes them there first', () => {
    const file: string[] = [];
    const sink = new LogSink();
    const logger = createLogger({ level: 'info', destination: sink });
    logger.info('store open');
    expect(file).toEqual([]);
    sink.redirect({ write: (l) => file.push(l) });
    logger.info('ready');
    expect(file.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['store open', 'ready']);
  });
});
