import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { MediaType } from './emulator';
import { renderReply, type SandboxWorld, type SentByCustomer } from './sandboxWorld';

/** What a line typed in the chat asks for. */
export type ChatCommand =
  | { kind: 'say'; text: string }
  | { kind: 'attach'; type: MediaType; path: string }
  | { kind: 'enter'; scene?: string }
  | { kind: 'agent'; text: string }
  | { kind: 'end' }
  | { kind: 'corp'; key: string }
  | { kind: 'quit' }
  | { kind: 'help'; unknown?: string }
  | { kind: 'nothing' };

/** The chat's commands, as `/help` prints them. */
export const CHAT_HELP = [
  'Type a message and press Enter to send it as the WeChat customer. Commands:',
  '  /enter [scene]    open the chat (enter_session): the bot may welcome you',
  '  /image <path>     send a picture from a file (also /file, /voice, /video)',
  '  /agent <text>     answer as the human agent (after a handoff; takes the session)',
  '  /end              the human agent ends the session: the bot answers again',
  '  /corp <a|b>       chat as a customer of demo corp a or b (the provider-mode sandbox)',
  '  /help             this list',
  '  /quit             stop (Ctrl-D too)',
  '  //text            send a message that starts with "/"',
].join('\n');

/**
 * Reads one typed line. Anything starting with `/` is a command, never sent to the bot: an unknown
 * one shows the help (a typo must not reach the bot as a customer message); `//` escapes a slash.
 */
export function parseChatLine(line: string): ChatCommand {
  const text = line.trim();
  if (!text) return { kind: 'nothing' };
  if (text.startsWith('//')) return { kind: 'say', text: text.slice(1) };
  if (!text.startsWith('/')) return { kind: 'say', text };
  const space = text.search(/\s/);
  const name = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  const arg = space < 0 ? '' : text.slice(space).trim();
  switch (name) {
    case '/enter':
      return arg ? { kind: 'enter', scene: arg } : { kind: 'enter' };
    case '/image':
    case '/file':
    case '/voice':
    case '/video':
      return arg ? { kind: 'attach', type: name.slice(1) as MediaType, path: arg } : { kind: 'help', unknown: `${name} needs a file path` };
    case '/agent':
      return arg ? { kind: 'agent', text: arg } : { kind: 'help', unknown: '/agent needs the text the agent writes' };
    case '/end':
      return { kind: 'end' };
    case '/corp':
      return arg ? { kind: 'corp', key: arg } : { kind: 'help', unknown: '/corp needs a demo corp: a or b' };
    case '/quit':
    case '/exit':
      return { kind: 'quit' };
    case '/help':
    case '/?':
      return { kind: 'help' };
    default:
      return { kind: 'help', unknown: `unknown command ${name}` };
  }
}

export interface TerminalChatOptions {
  /** Default `process.stdin`. */
  input?: NodeJS.ReadableStream;
  /** Default `process.stdout`. On a TTY, replies and notices are written above the prompt, keeping what is being typed. */
  output?: NodeJS.WritableStream;
  /** The simulated customer's external_userid. Default `wm_terminal_customer`. */
  customerId?: string;
  /** Called on `/quit` or when the input ends (Ctrl-D), not on `stop()`. Default: SIGTERM to this process. */
  onQuit?: () => void;
  /** How often the chat looks for new replies. Default 150 ms. */
  pollMs?: number;
}

/** A running chat. `notice` prints a line for the person at the terminal (above the prompt). */
export interface TerminalChat {
  notice(text: string): void;
  stop(): void;
}

/**
 * Chat as a WeChat customer from the terminal: each line is sent through the emulator as a
 * customer message, and what the bot and the human agent send is printed as it reaches the
 * customer. Commands (`/help` lists them) open the chat, send files, act as the human agent and quit.
 *
 * @example
 * const world = await SandboxWorld.start();
 * world.connect('http://127.0.0.1:3978/api/wecom/callback');
 * startTerminalChat(world, { onQuit: () => void world.stop() });
 */
export function startTerminalChat(world: SandboxWorld, options: TerminalChatOptions = {}): TerminalChat {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const customerId = options.customerId ?? 'wm_terminal_customer';
  // The demo corp whose customer is typing (`/corp b` switches, in the provider-mode sandbox).
  let current = world;
  const onQuit = options.onQuit ?? (() => process.kill(process.pid, 'SIGTERM'));
  const tty = (output as { isTTY?: boolean }).isTTY === true;
  let stopped = false;
  let closed = false;

  const rl = createInterface({ input, output, prompt: 'you › ', terminal: tty });
  const print = (text: string): void => {
    if (stopped) return;
    if (tty) {
      clearLine(output, 0);
      cursorTo(output, 0);
    }
    output.write(`${text}\n`);
    // prompt(true) redraws the prompt with what was typed so far, so nothing the person types is lost.
    if (tty && !closed) rl.prompt(true);
  };

  const shown = new Set<string>();
  const poll = setInterval(() => {
    for (const entry of current.transcript(customerId)) {
      if (shown.has(entry.msgid)) continue;
      shown.add(entry.msgid);
      const label = entry.from === 'agent' ? 'agent › ' : 'bot › ';
      print(label + renderReply(entry).replace(/\n/g, `\n${' '.repeat(label.length)}`));
    }
  }, options.pollMs ?? 150);

  const reportDelivery = (sent: SentByCustomer): void => {
    void sent.delivery.then((report) => {
      if (report.delivered) return;
      const url = current.emulator.credentials(current.corp.corpId).callbackUrl ?? '(no callback URL)';
      print(`(WeCom could not reach the bot at ${url}: ${report.statuses.join(', ') || 'no attempt'}; is it running with the sandbox's settings?)`);
    });
  };

  const run = async (command: ChatCommand): Promise<void> => {
    switch (command.kind) {
      case 'say':
        return reportDelivery(await current.say(customerId, command.text));
      case 'attach': {
        const bytes = await readFile(command.path);
        reportDelivery(await current.sendAttachment(customerId, { type: command.type, bytes, filename: basename(command.path) }));
        return print(`(sent ${command.type} ${basename(command.path)}, ${bytes.length} bytes)`);
      }
      case 'enter':
        await current.enter(customerId, command.scene);
        return;
      case 'agent':
        return current.agentSays(customerId, command.text);
      case 'end':
        await current.agentEnds(customerId);
        return print('(the human agent ended the session: the bot answers again)');
      case 'corp': {
        const picked = world.demoCorp(command.key);
        if (!picked) return print(`(no demo corp ${command.key}: ${world.suite ? 'use a or b' : 'this sandbox has one corp'})`);
        current = picked;
        return print(`(you are now a customer of corp ${picked.corp.corpId})`);
      }
      case 'help':
        return print(command.unknown ? `(${command.unknown})\n${CHAT_HELP}` : CHAT_HELP);
      case 'quit':
        rl.close();
        return;
      case 'nothing':
        return;
    }
  };

  // One line at a time, in order: `/agent …` then `/end` must reach WeCom in that order.
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    const command = parseChatLine(line);
    queue = queue.then(() => run(command)).catch((e: unknown) => print(`(could not send: ${(e as Error).message})`));
    if (tty && !closed) rl.prompt();
  });
  rl.on('close', () => {
    closed = true;
    void queue.then(() => {
      if (stopped) return;
      stop();
      onQuit();
    });
  });
  if (tty) rl.prompt();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    rl.close();
  }
  return { notice: print, stop };
}
