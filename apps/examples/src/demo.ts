/**
 * `npm run demo`: fine-tunes the committed byte-level GPT-2 to tell spam from ham (SpamAssassin) with
 * a PEFT method, and compares it with a linear probe and full fine-tuning. `--help` lists the options.
 */
import { optionHelp, parseDemoArgs } from './demo/options.js';
import { runDemo } from './demo/run.js';

const METHODS = ['lora'];

try {
  const parsed = parseDemoArgs(process.argv.slice(2), METHODS);
  if (parsed.help) console.log(optionHelp(METHODS));
  else await runDemo(parsed.options);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
