/** `@peftjs/core/node`: what needs Node's file system. The main entry stays free of Node built-ins. */
import { setDefaultCheckpointStore } from '../train/checkpoint-store.js';
import { fileCheckpointStore } from './checkpoint-files.js';

export { writeFileAtomic, type AtomicWriteData } from './atomic-write.js';
export {
  loadSafetensorsFile,
  saveSafetensorsFile,
  openSafetensorsFile,
  readSafetensorsFile,
  writeSafetensorsFile,
} from './safetensors-file.js';
export { loadShardedSafetensors } from './sharded.js';
export { fileSource } from './file-source.js';
export { pathInside, openRegularFile, readRegularFile, readRegularText, MAX_TEXT_FILE_BYTES } from './folder-files.js';
export { fileCheckpointStore, CHECKPOINT_POINTER, type FileCheckpointStoreOptions } from './checkpoint-files.js';

// Importing this entry lets Trainer.saveCheckpoint(dir) and resumeFromCheckpoint use folders on disk.
setDefaultCheckpointStore(fileCheckpointStore());
