import { createInterface } from 'node:readline';
import { renderReply, type SandboxWorld } from './sandboxWorld';

/**
 * Chat as a WeChat customer from the terminal: each line is sent through the emulator as a
 * customer message, and the bot's replies are printed as they reach the customer.
 * `/enter` opens the chat (enter_session, with a welcome); after a handoff, `/agent <text>` answers
 * as the human agent and `/end` ends the agent's session; `/quit` leaves.
 */
export function startTerminalChat(world: SandboxWorld, customerId = 'wm_terminal_customer'): { stop(): void } {
  let shown = 0;
  let shownAgent = 0;
  const poll = setInterval(() => {
    const replies = world.replies(customerId);
    for (; shown < replies.length; shown++) process.stdout.write(`\nbot › ${renderReply(replies[shown]!).replace(/\n/g, '\n      ')}\nyou › `);
    const agent = world.agentMessages(customerId);
    for (; shownAgent < agent.length; shownAgent++) process.stdout.write(`\nagent › ${agent[shownAgent]}\nyou › `);
  }, 150);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you › ' });
  rl.prompt();
  rl.on('line', (line) => {
    const text = line.trim();
    if (text === '/quit') {
      rl.close();
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    const sent = text === '/enter' ? world.enter(customerId)
      : text.startsWith('/agent ') ? world.agentSays(customerId, text.slice('/agent '.length))
      : text === '/end' ? world.agentEnds(customerId)
      : text ? world.say(customerId, text) : undefined;
    sent?.catch((e: unknown) => process.stdout.write(`\n(could not send: ${(e as Error).message})\n`));
    rl.prompt();
  });
  return {
    stop: () => {
      clearInterval(poll);
      rl.close();
    },
  };
}
