import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { unixCrypt, isSupportedCryptHash } from '../../src/proxy/auth/unix-crypt.js';

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('unixCrypt', () => {
  it('computes hashes made by openssl passwd -1/-5/-6', () => {
    expect(unixCrypt('secret', '$1$abc$iCQ2D3nhptRYi27fDYv2s1')).toBe('$1$abc$iCQ2D3nhptRYi27fDYv2s1');
    expect(unixCrypt('secret', '$5$abc$qsg6EHbUzHQzF1POlD7zUwBINSELQxypPaeDcZe6vH0')).toBe('$5$abc$qsg6EHbUzHQzF1POlD7zUwBINSELQxypPaeDcZe6vH0');
    expect(unixCrypt('secret', '$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1')).toBe(
      '$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1',
    );
  });

  it('truncates MD5 salts to 8 characters', () => {
    expect(unixCrypt('', '$1$saltsaltsaltsalt$')).toBe('$1$saltsalt$5Jhcit4zN9UlGiA0txPkO0');
  });

  it('follows the SHA-crypt specification for rounds=N and long salts', () => {
    expect(unixCrypt('Hello world!', '$5$rounds=10000$saltstringsaltstring')).toBe(
      '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA',
    );
    expect(unixCrypt('Hello world!', '$6$rounds=10000$saltstringsaltstring')).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
  });

  it('a wrong password gives another hash', () => {
    expect(unixCrypt('Secret', '$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1')).not.toMatch(/IdWKNKTJ/);
  });

  it('refuses formats it cannot compute', () => {
    expect(unixCrypt('x', '$2y$10$abcdefghijklmnopqrstuu')).toBeNull();
    expect(isSupportedCryptHash('ab01FAX.bQRSU')).toBe(false);
    expect(isSupportedCryptHash('$6$x$y')).toBe(true);
  });

  it.skipIf(!opensslAvailable())('agrees with openssl on passwords of every length class', () => {
    const passwords = ['', 'a', 'x'.repeat(16), 'x'.repeat(33), 'y'.repeat(65), 'with space', 'pässwörd'];
    for (const pw of passwords)
      for (const kind of ['-1', '-5', '-6'])
        for (const salt of ['s', 'Zz./09ab', 'saltsaltsaltsalt']) {
          const want = execFileSync('openssl', ['passwd', kind, '-salt', salt, pw]).toString().trim();
          if (want === '<NULL>') continue;
          expect(unixCrypt(Buffer.from(pw, 'utf8').toString('latin1'), want), `${kind} ${salt} ${pw}`).toBe(want);
        }
  });
});
