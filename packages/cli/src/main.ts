/** Entry point of the `agentcy` command (docs/cli.md). */
import { run } from './program';

void run(process.argv).then((code) => {
  process.exitCode = code;
});
