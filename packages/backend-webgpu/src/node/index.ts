/** Node-only helpers of @peftjs/backend-webgpu; importing this loads no GPU code. */
export {
  SWIFTSHADER_DIRS,
  findSoftwareVulkan,
  noAdapterHelp,
  rerunWithSoftwareVulkan,
  softwareVulkanEnv,
  type SoftwareVulkanDriver,
} from './software-vulkan.js';
