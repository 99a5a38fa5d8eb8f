/** `@peftjs/core/node`: what needs Node's file system. The main entry stays free of Node built-ins. */
export { writeFileAtomic, type AtomicWriteData } from './atomic-write.js';
export {
  loadSafetensorsFile, saveSafetensorsFile, openSafetensorsFile, readSafetensorsFile, writeSafetensorsFile,
} from './safetensors-file.js';
export { loadShardedSafetensors } from './sharded.js';
export { fileSource } from './file-source.js';
