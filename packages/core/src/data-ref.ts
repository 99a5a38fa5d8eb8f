import type { Backend } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';

/**
 * One backend buffer, shared by every tensor handle that views it (views, saved-for-backward
 * aliases). The buffer is freed when the last handle lets go.
 */
export class DataRef {
  refs = 0;
  constructor(
    readonly backend: Backend,
    public storage: unknown,
    readonly dtype: DType,
    readonly size: number,
    private readonly onFree: (ref: DataRef) => void,
  ) {}

  get numBytes(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) {
      this.backend.free(this.storage);
      this.onFree(this);
    }
  }
}
