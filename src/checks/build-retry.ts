import type { Check } from '../lab-kit/check.js';
import { imageBuildsCheck, type BuiltImage } from './app-checks.js';
import { DocklabError } from '../errors.js';

/**
 * On an engine shared by several users, an image the build cache was about
 * to reuse can be removed by someone else's cleanup half-way through a
 * build ("failed to get digest …: no such file or directory"). That is not
 * the learner's fault: such a build is tried once more, and the second
 * attempt resolves its cache again. Any other failure is reported at once.
 */
const VANISHED = /failed to get digest|no such image|imagedb\/content\/sha256\/[0-9a-f]+: no such file/i;

export function isVanishedImageError(error: unknown): boolean {
  if (!(error instanceof DocklabError)) return false;
  return [error.message, ...error.details].some((line) => VANISHED.test(line));
}

export function imageBuildsCheckRetrying(options: Parameters<typeof imageBuildsCheck>[0]): Check<BuiltImage> {
  const check = imageBuildsCheck(options);
  return {
    ...check,
    run: async (ctx) => {
      try {
        return await check.run(ctx);
      } catch (error) {
        if (!isVanishedImageError(error)) throw error;
        ctx.log(`${options.image}: an image the build cache used was removed meanwhile by another cleanup; building again`);
        return check.run(ctx);
      }
    },
  };
}
