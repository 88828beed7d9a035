// Event keys and path safety: pure functions.

import { describe, expect, it } from 'vitest';
import { canonicalJson, eventKey, isSafeSegment } from '../../lib/events/key';
import { layout } from '../../lib/sinks/record';

describe('event keys', () => {
  it('uses the id when it is a safe segment', () => {
    expect(eventKey('ConcatComplete', '1400-ConcatFile-1', {})).toBe(
      'ConcatComplete/1400-ConcatFile-1',
    );
  });

  it.each(['../../etc/passwd', 'a/b', 'a\nb', '..', '', '.hidden', 'x'.repeat(200)])(
    'falls back to a digest for the unsafe id %j',
    (id) => {
      expect(isSafeSegment(id)).toBe(false);
      expect(eventKey('ConcatComplete', id, { id })).toMatch(
        /^ConcatComplete\/sha256-[0-9a-f]{32}$/,
      );
    },
  );

  it('replaces an unsafe type by a digest too', () => {
    expect(eventKey('../Type', 'id1', {})).toMatch(/^unsafe-type-[0-9a-f]{16}\/id1\.[0-9a-f]{16}$/);
  });

  it('keys once-per-task types by the id alone', () => {
    expect(eventKey('EditMediaComplete', '1400-EditMedia-1', { a: 1 })).toBe(
      'EditMediaComplete/1400-EditMedia-1',
    );
    expect(eventKey('NewFileUpload', '5285890798800000001', {})).toBe(
      'NewFileUpload/5285890798800000001',
    );
  });

  it('gives two events of one task different keys when their content differs', () => {
    const processing = { TaskId: 'proc-1', Status: 'PROCESSING' };
    const finished = { TaskId: 'proc-1', Status: 'FINISH' };

    const first = eventKey('ProcedureStateChanged', 'proc-1', processing);
    const second = eventKey('ProcedureStateChanged', 'proc-1', finished);

    expect(first).toMatch(/^ProcedureStateChanged\/proc-1\.[0-9a-f]{16}$/);
    expect(second).not.toBe(first);
    expect(eventKey('ProcedureStateChanged', 'proc-1', { ...processing })).toBe(first);
  });

  it('digests content independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      canonicalJson({ a: { c: [3, { e: 5, f: 4 }], d: 2 }, b: 1 }),
    );
  });

  it('refuses to build a path from a key that is not two safe segments', () => {
    expect(layout.event('ConcatComplete/1400-1')).toBe('events/ConcatComplete/1400-1.json');
    expect(() => layout.event('../../etc/passwd')).toThrow(/unsafe event key/);
    expect(() => layout.task('a/b')).toThrow(/unsafe path segment/);
  });
});
