import { createInterface } from 'node:readline';
import { CliError } from './errors';

/** All of stdin (for --password-stdin, piped chat messages), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; `hidden` does not echo (passwords). */
export async function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError(`${question.replace(/:\s*$/, '')} is needed (no terminal to ask on; pass it as an option)`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const r = rl as unknown as { _writeToOutput: (s: string) => void };
    r._writeToOutput = (s: string) => {
      if (s.startsWith(question) || s === '\r\n' || s === '\n') {
        process.stderr.write(s.startsWith(question) ? question : s);
      }
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) {
      process.stderr.write('\n');
    }
  }
}
