import { describe, expect, it } from 'vitest';
import { isVanishedImageError } from '../../src/checks/build-retry.js';
import { DocklabError } from '../../src/errors.js';

describe("a build that lost a cached image to someone else's cleanup", () => {
  it('is told from an ordinary build failure', () => {
    const vanished = new DocklabError('DOCKLAB_IMAGE_BUILD_FAILED', 'step 4 failed', {
      details: ['ERROR: failed to get digest sha256:3fce: open /var/lib/docker/image/overlay2/imagedb/content/sha256/3fce: no such file or directory'],
    });
    const ordinary = new DocklabError('DOCKLAB_IMAGE_BUILD_FAILED', 'step 4 failed', { details: ['npm ERR! 404 Not Found'] });
    expect(isVanishedImageError(vanished)).toBe(true);
    expect(isVanishedImageError(ordinary)).toBe(false);
    expect(isVanishedImageError(new Error('failed to get digest'))).toBe(false);
  });
});
