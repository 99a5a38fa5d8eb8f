/** `@peftjs/core/node`: what needs Node's file system. The main entry stays free of Node built-ins. */
import { setDefaultCheckpointStore } from '../train/checkpoint-store.js';
import { fileCheckpointStore } from './checkpoint-files.js';

export { writeFileAtomic } from './atomic-write.js';
export { loadSafetensorsFile, saveSafetensorsFile } from './safetensors-file.js';
export { fileCheckpointStore } from './checkpoint-files.js';

// Importing this entry lets Trainer.saveCheckpoint(dir) and resumeFromCheckpoint use folders on disk.
setDefaultCheckpointStore(fileCheckpointStore());
