/**
 * `npm run demo`: fine-tunes the committed byte-level GPT-2 to tell spam from ham (SpamAssassin) with
 * a PEFT method, and compares it with a linear probe and full fine-tuning. `--help` lists the options.
 */
import { availableMethods } from './demo/methods.js';
import { optionHelp, parseDemoArgs } from './demo/options.js';
import { runDemo } from './demo/run.js';

try {
  const methods = availableMethods();
  const parsed = parseDemoArgs(process.argv.slice(2), methods);
  if (parsed.help) console.log(optionHelp(methods));
  else await runDemo(parsed.options);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
