import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSoftwareVulkan } from '@peftjs/backend-webgpu/node';

// The demo's backend set-up, alone: `setUpBackend(name)` and one matmul (no model, no data).
const BACKEND_INFO = fileURLToPath(new URL('../dist/backend-info.js', import.meta.url));

/** This environment without any Vulkan driver choice, as a user who never heard of SwiftShader has it. */
function envWithoutVulkanChoice(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'LD_LIBRARY_PATH']) if (!(name in extra)) delete env[name];
  return env;
}

const run = (backend: string, env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [BACKEND_INFO, backend], { encoding: 'utf8', env, timeout: 120_000 });

describe('the demo backend set-up', () => {
  it('gets a WebGPU adapter with VK_ICD_FILENAMES and LD_LIBRARY_PATH unset (a GPU, or SwiftShader found on disk)', () => {
    const driver = findSoftwareVulkan();
    const result = run('webgpu', envWithoutVulkanChoice());
    if (driver === null && result.status !== 0) {
      // no GPU and no CPU driver installed here: the command must say what to install and set
      console.log('skipped: no GPU driver and no SwiftShader on this machine; checking the message instead');
      expect(result.stderr).toMatch(/VK_ICD_FILENAMES=\S+vk_swiftshader_icd\.json LD_LIBRARY_PATH=\S+/);
      return;
    }
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('backend webgpu: matmul [[19,22],[43,50]]');
    // either the system's own driver answered, or the command ran again on the CPU driver it found
    const used = /^Vulkan driver: (.*)$/m.exec(result.stdout)?.[1];
    expect(['the system default', driver?.icd]).toContain(used);
    console.log(`WebGPU without any Vulkan variable set: ${used}`);
  }, 120_000);

  it('names both variables and a value that works when the chosen Vulkan driver gives no adapter', () => {
    const result = run('webgpu', envWithoutVulkanChoice({ VK_ICD_FILENAMES: '/nonexistent/icd.json' }));
    expect(result.status).toBe(1);
    const message = result.stderr.trim().split('\n').at(-1);
    expect(message).toMatch(
      /^demo: --backend webgpu found no WebGPU adapter: Vulkan found no usable driver with VK_ICD_FILENAMES=\/nonexistent\/icd\.json \(LD_LIBRARY_PATH unset\); a CPU driver that works: VK_ICD_FILENAMES=\S+vk_swiftshader_icd\.json LD_LIBRARY_PATH=\S+$/,
    );
  }, 120_000);

  it('runs the CPU backend without touching Vulkan, and names a bad backend', () => {
    const cpu = run('cpu', envWithoutVulkanChoice());
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(cpu.stdout.trim()).toBe('backend cpu: matmul [[19,22],[43,50]]');
    const bad = run('tpu', envWithoutVulkanChoice());
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('backend-info: the backend must be one of cpu, webgpu, got "tpu"');
  }, 60_000);
});
