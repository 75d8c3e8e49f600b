/**
 * Every file the demo plan writes, and the dry-run transcript and script, pinned under
 * snapshots/<platform>/. A rendering change fails here until `npx vitest run -u` rewrites the
 * snapshot, so every change is seen in review.
 */
import { describe, expect, it } from 'vitest';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { demoPlan } from '../support/demo-plan.js';

describe.each([openbsd, debian])('demo snapshots for $name', (platform) => {
  it('pins every rendered file', async () => {
    const { steps } = await demoPlan(platform);
    const all = steps.flatMap((s) => s.actions).map((a) => a.action).filter((a) => a.type === 'writeFile');
    expect(all.length).toBeGreaterThan(10);
    // A shared file two steps write (OpenBSD's httpd.conf: the tls and the web block) is pinned as the plan leaves it.
    const writes = [...new Map(all.map((w) => [w.path, w])).values()];
    for (const w of writes) {
      await expect(w.content).toMatchFileSnapshot(`../../snapshots/${platform.name}/files${w.path}`);
    }
  });

  it('pins the dry-run transcript and the shell script', async () => {
    const { transcript, script } = await demoPlan(platform);
    await expect(transcript).toMatchFileSnapshot(`../../snapshots/${platform.name}/plan.txt`);
    await expect(script).toMatchFileSnapshot(`../../snapshots/${platform.name}/plan.sh`);
  });
});
