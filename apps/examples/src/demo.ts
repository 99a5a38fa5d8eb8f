/**
 * `npm run demo`: fine-tunes the committed byte-level GPT-2 to tell spam from ham (SpamAssassin) with
 * a PEFT method, and compares it with a linear probe and full fine-tuning. `--help` lists the options.
 */
import { useBackend } from './demo/backend.js';
import { methodAvailability, methodNames } from './demo/methods.js';
import { readBaseConfig } from './demo/model.js';
import { DEFAULT_MODEL, optionHelp, parseDemoArgs } from './demo/options.js';
import { runDemo } from './demo/run.js';

try {
  const parsed = parseDemoArgs(process.argv.slice(2), methodNames());
  if (parsed.help) {
    await useBackend('cpu');
    const { usable, unusable } = methodAvailability(await readBaseConfig(DEFAULT_MODEL));
    console.log(optionHelp(usable, Object.keys(unusable)));
  } else {
    await runDemo(parsed.options);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
