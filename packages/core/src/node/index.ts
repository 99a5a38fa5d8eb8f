/** `@peftjs/core/node`: what needs Node's file system. The main entry stays free of Node built-ins. */
export { writeFileAtomic } from './atomic-write.js';
export { loadSafetensorsFile, saveSafetensorsFile } from './safetensors-file.js';
