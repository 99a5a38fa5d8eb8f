/**
 * WebGPU in Node on a machine without a GPU: Dawn (the `webgpu` package) needs a Vulkan driver that
 * runs on the CPU. Chromium ships one, SwiftShader, with its own Vulkan loader (libvulkan.so.1).
 * Vulkan reads VK_ICD_FILENAMES when Dawn starts, but the dynamic linker reads LD_LIBRARY_PATH only
 * when the process starts, so a process that finds no adapter runs itself again with both set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A Vulkan driver that runs on the CPU, as found on disk. */
export interface SoftwareVulkanDriver {
  /** Its ICD manifest: the value for VK_ICD_FILENAMES. */
  readonly icd: string;
  /** The folder with the Vulkan loader it comes with: the folder for LD_LIBRARY_PATH. */
  readonly libraryDir: string;
}

/** Where Chromium and Chrome packages put SwiftShader on Linux. */
export const SWIFTSHADER_DIRS: readonly string[] = [
  '/usr/lib/chromium', // Debian, Arch
  '/usr/lib/chromium-browser', // Ubuntu, Alpine
  '/usr/lib64/chromium-browser', // Fedora, openSUSE
  '/snap/chromium/current/usr/lib/chromium-browser',
  '/opt/google/chrome',
];

const ICD_FILE = 'vk_swiftshader_icd.json';
const LOADER_FILE = 'libvulkan.so.1';

/** The example named in messages: Debian's chromium package. */
const EXAMPLE_DIR = SWIFTSHADER_DIRS[0];

/** The driver library an ICD manifest names, or null when the manifest cannot be read. */
function driverLibrary(icd: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(icd, 'utf8')) as { ICD?: { library_path?: unknown } };
    const path = manifest.ICD?.library_path;
    return typeof path === 'string' ? resolve(dirname(icd), path) : null;
  } catch {
    return null;
  }
}

/** The first of `dirs` with SwiftShader's manifest, the library it names and a Vulkan loader; null when none has. */
export function findSoftwareVulkan(dirs: readonly string[] = SWIFTSHADER_DIRS): SoftwareVulkanDriver | null {
  for (const dir of dirs) {
    const icd = join(dir, ICD_FILE);
    if (!existsSync(icd) || !existsSync(join(dir, LOADER_FILE))) continue;
    const library = driverLibrary(icd);
    if (library && existsSync(library)) return { icd, libraryDir: dir };
  }
  return null;
}

/**
 * The variables that point Vulkan at `driver`: VK_ICD_FILENAMES, and LD_LIBRARY_PATH with the driver's
 * folder first. Null when there is no driver, or when `env` already names a Vulkan driver
 * (VK_ICD_FILENAMES or VK_DRIVER_FILES): the user's choice stands.
 */
export function softwareVulkanEnv(
  env: Record<string, string | undefined> = process.env,
  driver: SoftwareVulkanDriver | null = findSoftwareVulkan(),
): { VK_ICD_FILENAMES: string; LD_LIBRARY_PATH: string } | null {
  if (!driver || env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return null;
  const rest = (env.LD_LIBRARY_PATH ?? '').split(':').filter((p) => p && p !== driver.libraryDir);
  return { VK_ICD_FILENAMES: driver.icd, LD_LIBRARY_PATH: [driver.libraryDir, ...rest].join(':') };
}

/** Why there is no adapter and what to set: both variables, with a value that works here or on Debian. */
export function noAdapterHelp(
  env: Record<string, string | undefined> = process.env,
  driver: SoftwareVulkanDriver | null = findSoftwareVulkan(),
): string {
  const dir = driver?.libraryDir ?? EXAMPLE_DIR;
  const setting = `VK_ICD_FILENAMES=${join(dir, ICD_FILE)} LD_LIBRARY_PATH=${dir}`;
  const chosen = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES;
  if (chosen) {
    const libraryPath = env.LD_LIBRARY_PATH ? `LD_LIBRARY_PATH=${env.LD_LIBRARY_PATH}` : 'LD_LIBRARY_PATH unset';
    return `Vulkan found no usable driver with VK_ICD_FILENAMES=${chosen} (${libraryPath}); a CPU driver that works: ${setting}`;
  }
  if (driver) return `no GPU driver answered; run with the CPU driver found here: ${setting}`;
  return (
    'no GPU driver, and no CPU Vulkan driver (SwiftShader, shipped by Chromium) in ' +
    `${SWIFTSHADER_DIRS.join(', ')}: install one (Debian: apt-get install chromium) and set ${setting}, ` +
    'with the folder that holds vk_swiftshader_icd.json and libvulkan.so.1'
  );
}

/**
 * Runs this process's command again in a child with `softwareVulkanEnv()` set, its output on this
 * process's terminal, and returns the child's exit status. Null, running nothing, when there is no
 * driver to point at or a Vulkan driver is already chosen (then the child would fail the same way).
 */
export function rerunWithSoftwareVulkan(): number | null {
  const extra = softwareVulkanEnv();
  if (!extra) return null;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...extra },
  });
  if (child.error) throw child.error;
  return child.status ?? 1;
}
