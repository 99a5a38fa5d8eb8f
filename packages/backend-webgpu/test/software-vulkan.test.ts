import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSoftwareVulkan, noAdapterHelp, softwareVulkanEnv } from '../src/node/index.js';

const root = mkdtempSync(join(tmpdir(), 'software-vulkan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder laid out as Chromium ships SwiftShader; `without` leaves one file out. */
function chromiumDir(name: string, without?: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'vk_swiftshader_icd.json': JSON.stringify({
      file_format_version: '1.0.0',
      ICD: { library_path: './libvk_swiftshader.so', api_version: '1.0.5' },
    }),
    'libvk_swiftshader.so': '',
    'libvulkan.so.1': '',
  };
  for (const [file, text] of Object.entries(files)) if (file !== without) writeFileSync(join(dir, file), text);
  return dir;
}

describe('finding a CPU Vulkan driver', () => {
  it('takes the first folder with the manifest, the driver library it names and a Vulkan loader', () => {
    const noLoader = chromiumDir('no-loader', 'libvulkan.so.1');
    const noLibrary = chromiumDir('no-library', 'libvk_swiftshader.so');
    const broken = chromiumDir('broken');
    writeFileSync(join(broken, 'vk_swiftshader_icd.json'), '{ not json');
    const good = chromiumDir('good');
    const later = chromiumDir('later');
    expect(findSoftwareVulkan([join(root, 'missing'), noLoader, noLibrary, broken, good, later])).toEqual({
      icd: join(good, 'vk_swiftshader_icd.json'),
      libraryDir: good,
    });
    expect(findSoftwareVulkan([noLoader, noLibrary, broken])).toBeNull();
  });

  it('gives VK_ICD_FILENAMES and LD_LIBRARY_PATH with the driver folder first, once', () => {
    const driver = { icd: '/opt/x/vk_swiftshader_icd.json', libraryDir: '/opt/x' };
    expect(softwareVulkanEnv({}, driver)).toEqual({ VK_ICD_FILENAMES: '/opt/x/vk_swiftshader_icd.json', LD_LIBRARY_PATH: '/opt/x' });
    expect(softwareVulkanEnv({ LD_LIBRARY_PATH: '/usr/local/lib:/opt/x' }, driver)).toEqual({
      VK_ICD_FILENAMES: '/opt/x/vk_swiftshader_icd.json',
      LD_LIBRARY_PATH: '/opt/x:/usr/local/lib',
    });
  });

  it("leaves a user's own driver choice alone, and offers nothing without a driver", () => {
    const driver = { icd: '/opt/x/vk_swiftshader_icd.json', libraryDir: '/opt/x' };
    expect(softwareVulkanEnv({ VK_ICD_FILENAMES: '/etc/vulkan/icd.d/nvidia_icd.json' }, driver)).toBeNull();
    expect(softwareVulkanEnv({ VK_DRIVER_FILES: '/etc/vulkan/icd.d/nvidia_icd.json' }, driver)).toBeNull();
    expect(softwareVulkanEnv({}, null)).toBeNull();
  });

  it('says what to set: both variables with a value that works', () => {
    const driver = { icd: '/opt/x/vk_swiftshader_icd.json', libraryDir: '/opt/x' };
    expect(noAdapterHelp({}, driver)).toBe(
      'no GPU driver answered; run with the CPU driver found here: VK_ICD_FILENAMES=/opt/x/vk_swiftshader_icd.json LD_LIBRARY_PATH=/opt/x',
    );
    expect(noAdapterHelp({ VK_ICD_FILENAMES: '/bad.json', LD_LIBRARY_PATH: '/lib' }, driver)).toBe(
      'Vulkan found no usable driver with VK_ICD_FILENAMES=/bad.json (LD_LIBRARY_PATH=/lib); a CPU driver that works: VK_ICD_FILENAMES=/opt/x/vk_swiftshader_icd.json LD_LIBRARY_PATH=/opt/x',
    );
    const none = noAdapterHelp({}, null);
    expect(none).toMatch(
      /^no GPU driver, and no CPU Vulkan driver \(SwiftShader, shipped by Chromium\) in \/usr\/lib\/chromium, .*: install one \(Debian: apt-get install chromium\)/,
    );
    expect(none).toContain('set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium,');
  });
});
