export {
  publishablePackages,
  repositoryRoot,
  workspacePackages,
  readManifest,
  type Manifest,
  type WorkspacePackage,
} from './workspaces.js';
export { COPY_LICENSE, LICENSE, REPOSITORY, entryPoints, manifestProblems } from './manifest-problems.js';
export { missingFromTarball, packedFiles } from './packed-files.js';
