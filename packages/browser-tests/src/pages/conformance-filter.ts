/**
 * Which cases the browser page runs: of the PEFT methods suite only the float32 forward and gradients
 * (the rest of the method template, merge, files and training, runs on WebGPU in Node and on the CPU
 * backends). Shared by the page and the test that counts what it must have run.
 */
export const BROWSER_CONFORMANCE_FILTER = '^(?!methods/[^:]+: (?!forward and gradients match PEFT \\(float32\\)))';
