import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { IdHasher } from '../../../lib/gateway/privacy';

const KEY = 'k'.repeat(16);
const OTHER_KEY = 'another-secret-key-0123';

describe('IdHasher', () => {
  it('hashes to 16 lower-case hex characters', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(new IdHasher(KEY).hash(id)).toMatch(/^[0-9a-f]{16}$/);
      }),
    );
  });

  it('is the first 64 bits of HMAC-SHA256 under the key', () => {
    expect(new IdHasher(KEY).hash('user-42')).toBe(
      createHmac('sha256', KEY).update('user-42').digest('hex').slice(0, 16),
    );
  });

  it('is stable: the same id under the same key always hashes the same, across instances', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(new IdHasher(KEY).hash(id)).toBe(new IdHasher(KEY).hash(id));
      }),
    );
  });

  it('is keyed: different keys give different hashes', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(new IdHasher(KEY).hash(id)).not.toBe(new IdHasher(OTHER_KEY).hash(id));
      }),
    );
  });

  it('is not a plain hash of the id (a guessed id cannot be confirmed without the key)', () => {
    const hash = new IdHasher(KEY).hash('qa-user-1');
    expect(hash).not.toBe(createHash('sha256').update('qa-user-1').digest('hex').slice(0, 16));
  });

  it('different ids give different hashes', () => {
    const hasher = new IdHasher(KEY);
    const hashes = new Set(Array.from({ length: 10_000 }, (_, i) => hasher.hash(`user-${i}`)));
    expect(hashes.size).toBe(10_000);
  });

  it('never contains the raw id', () => {
    const hasher = new IdHasher(KEY);
    expect(hasher.hash('abc')).not.toContain('abc');
  });

  it('is undefined for undefined, and a hash for the empty string', () => {
    const hasher = new IdHasher(KEY);
    expect(hasher.hash(undefined)).toBeUndefined();
    expect(hasher.hash('')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects keys shorter than 16 characters', () => {
    for (const key of ['', 'short', 'k'.repeat(15)]) expect(() => new IdHasher(key)).toThrow(/at least 16 characters/);
    expect(() => new IdHasher('k'.repeat(16))).not.toThrow();
  });
});
