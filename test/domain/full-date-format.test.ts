import { isFullDate } from '../../lib/domain/full-date-format';

describe('isFullDate (JSON Schema "date", RFC 3339 full-date)', () => {
  it.each(['2026-12-01', '2028-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (text) => {
    expect(isFullDate(text)).toBe(true);
  });

  it.each([
    '2026-02-29',
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-12-00',
    '2026-12-1',
    '2026-12-01T00:00:00Z',
    '',
    'tomorrow',
  ])('refuses %p', (text) => {
    expect(isFullDate(text)).toBe(false);
  });
});
