import getReleasePlan from '@changesets/get-release-plan';
import { describe, expect, it } from 'vitest';
import { publishablePackages, repositoryRoot } from '../src/index.js';

// What `npx changeset version` would do with the pending changesets, without writing anything.
describe('the pending changesets', () => {
  it('make a release plan: no changeset mixes ignored and published packages, no package jumps a major version', async () => {
    const root = repositoryRoot();
    const plan = await getReleasePlan(root);
    expect(plan.changesets.length).toBeGreaterThan(0);
    const published = new Set(publishablePackages(root).map((p) => p.manifest.name));
    const releases = plan.releases.filter((r) => published.has(r.name));
    console.log(`changeset version would release: ${releases.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`).join(', ')}`);
    expect(releases.filter((r) => r.type === 'major').map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`)).toEqual([]);
    // every published package is linked to the same version
    expect(new Set(releases.map((r) => r.newVersion)).size).toBe(1);
  });
});
