/**
 * `npm run demo`: fine-tunes the committed byte-level GPT-2 to tell spam from ham (SpamAssassin) with
 * a PEFT method, and compares it with a linear probe and full fine-tuning. `--help` lists the options.
 */
import { setUpBackend, useBackend } from './demo/backend.js';
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
    // first, so a WebGPU run that must start again with a CPU Vulkan driver does so before any work
    const setup = await setUpBackend(parsed.options.backend);
    if ('exitCode' in setup) process.exitCode = setup.exitCode;
    else await runDemo(parsed.options);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
