import type { KernelArgs, KernelName } from '@peftjs/core';
import type { Launcher } from '../launch.js';
import type { CudaStorage } from '../storage.js';

/** The argument object of kernel `K` on this backend. */
export type Args<K extends KernelName> = KernelArgs<K, CudaStorage>;

/** A kernel of this backend: the launcher and the kernel's arguments. */
export type Kernel<K extends KernelName> = (gpu: Launcher, a: Args<K>) => void;
