// Entry point of the `sealsight` command (bin/sealsight.mjs starts it on Node 24).
import { runCli } from './run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
