// The published declarations must stand on their own: a user's strict project without
// skipLibCheck and without a `types` entry for @webgpu/types still resolves GPUDevice.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.d.ts', import.meta.url));

describe('the built declarations', () => {
  it('type-check in a strict project with skipLibCheck false and no ambient types', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'peftjs-webgpu-dts-')), 'user.ts');
    writeFileSync(
      file,
      `import { createWebGPUBackend, WebGPUBackend } from ${JSON.stringify(dist.replace(/\.d\.ts$/, '.js'))};\n` +
        'export const make = (device: GPUDevice): WebGPUBackend => new WebGPUBackend(device);\nexport const made: Promise<WebGPUBackend> = createWebGPUBackend();\n',
    );
    const program = ts.createProgram([file], {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });
});
