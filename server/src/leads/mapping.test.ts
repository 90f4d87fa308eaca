import { describe, expect, it } from 'vitest';
import { parsePath, parseTimestamp, readMapping, readPath, validateMapping } from './mapping.js';

const read = (payload: unknown, path: string) => {
  const segments = parsePath(path);
  if (typeof segments === 'string') throw new Error(segments);
  return readPath(payload, segments);
};

describe('mapping paths', () => {
  const payload = {
    badge: { mobile: '138', 'odd.key': 'x' },
    form_detail: [
      { name: '公司名称', value: '华信' },
      { name: '行业', value: '金融' },
    ],
    items: [{ id: 'a' }, { id: 'b' }],
  };

  it('reads keys, indexes, filters and quoted keys', () => {
    expect(read(payload, 'badge.mobile')).toBe('138');
    expect(read(payload, '$.badge.mobile')).toBe('138');
    expect(read(payload, 'items[1].id')).toBe('b');
    expect(read(payload, 'form_detail[name=行业].value')).toBe('金融');
    expect(read(payload, 'badge["odd.key"]')).toBe('x');
    expect(read(payload, 'form_detail[name=职位].value')).toBeUndefined();
    expect(read(payload, 'badge.mobile.deeper')).toBeUndefined();
    expect(read('not an object', 'a.b')).toBeUndefined();
    expect(read({ constructor: 1 }, 'toString')).toBeUndefined();
  });

  it('says where a path goes wrong', () => {
    expect(parsePath('a..b')).toMatch(/empty key at character 3/);
    expect(parsePath('a[')).toMatch(/unclosed/);
    expect(parsePath('a.')).toMatch(/trailing/);
    expect(parsePath('a[=x]')).toMatch(/key=value/);
    expect(parsePath('')).toMatch(/empty/);
  });

  it('validates targets and paths, naming each', () => {
    expect(validateMapping({ phone: 'a', 'fields.ok': 'b' })).toEqual([]);
    expect(validateMapping({ nickname: 'a', 'fields.': 'b', email: { path: ['ok', 'bad..'] } }).map((issue) => issue.path)).toEqual([
      'mapping.nickname',
      'mapping.fields.',
      'mapping.email.path.1',
    ]);
  });

  it('takes the first path with a value, applies transforms in order, and names unreadable values', () => {
    const { values, issues } = readMapping(
      { a: '', b: ' 138-0013-8000 ', n: { x: 1 } },
      { phone: { path: ['a', 'b'], transform: ['digits', 'e164'] }, name: 'n', campaign: { const: '展会' }, title: { path: 'missing', required: true } },
    );
    expect(values.get('phone')).toEqual({ value: '+8613800138000', path: 'b' });
    expect(values.get('campaign')?.value).toBe('展会');
    expect(issues.map((issue) => issue.path)).toEqual(['n', 'missing']);
  });
});

describe('payload timestamps', () => {
  it('reads ISO, unix seconds and milliseconds, and Beijing local time', () => {
    expect(parseTimestamp('2025-12-03T10:15:00+08:00')?.toISOString()).toBe('2025-12-03T02:15:00.000Z');
    expect(parseTimestamp(1764728100)?.toISOString()).toBe('2025-12-03T02:15:00.000Z');
    expect(parseTimestamp('1764728100000')?.toISOString()).toBe('2025-12-03T02:15:00.000Z');
    expect(parseTimestamp('2025-12-03 10:15:00')?.toISOString()).toBe('2025-12-03T02:15:00.000Z');
    expect(parseTimestamp('next tuesday')).toBeUndefined();
    expect(parseTimestamp(Date.now() + 7 * 24 * 3600_000)).toBeUndefined();
  });
});
