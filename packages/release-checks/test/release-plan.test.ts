import { existsSync } from 'node:fs';
import { join } from 'node:path';
import getReleasePlan from '@changesets/get-release-plan';
import { describe, expect, it } from 'vitest';
import { publishablePackages, repositoryRoot } from '../src/index.js';

// What `npx changeset version` would do with the pending changesets, without writing anything.
describe('the pending changesets', () => {
  it('make a release plan: no changeset mixes ignored and published packages, no package jumps a major version', async () => {
    const root = repositoryRoot();
    const plan = await getReleasePlan(root);
    const packages = publishablePackages(root);
    if (plan.changesets.length === 0) {
      // right after `changeset version`: one version for every published package, each with its CHANGELOG
      expect(new Set(packages.map((p) => p.manifest.version)).size).toBe(1);
      expect(packages.filter((p) => !existsSync(join(root, p.dir, 'CHANGELOG.md'))).map((p) => p.manifest.name)).toEqual([]);
      return;
    }
    const published = new Set(packages.map((p) => p.manifest.name));
    const releases = plan.releases.filter((r) => published.has(r.name));
    console.log(`changeset version would release: ${releases.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`).join(', ')}`);
    expect(releases.filter((r) => r.type === 'major').map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`)).toEqual([]);
    // every published package is linked to the same version
    expect(new Set(releases.map((r) => r.newVersion)).size).toBe(1);
  });
});
