import { describeUnexpectedError, errorFrames, redactCitizenIds } from './redact';

describe('redactCitizenIds', () => {
  it('masks ID-shaped runs and leaves division codes alone', () => {
    expect(redactCitizenIds('/v1/x/11010519491231002X?region=110101001')).toBe('/v1/x/110105********002X?region=110101001');
  });
});

describe('describeUnexpectedError', () => {
  function thrownBy(fn: () => void): unknown {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('did not throw');
  }

  it('gives the class, the code and the top frames, never the message', () => {
    const error = thrownBy(function decideRow() {
      throw Object.assign(new TypeError('bad value 11010519491231002X 张三'), { code: 'E_ROW' });
    });
    const text = describeUnexpectedError(error);
    expect(text).toMatch(/^TypeError \(E_ROW\) at /);
    expect(text).toContain('decideRow (common/redact.spec.ts:');
    expect(text).not.toMatch(/11010519491231002X|张三|bad value/);
    expect(text.split(' < ')).toHaveLength(4);
    expect(errorFrames(error as Error)[0]).toMatch(/^decideRow \(common\/redact\.spec\.ts:\d+:\d+\)$/);
  });

  it('describes a thrown non-error without showing it', () => {
    expect(describeUnexpectedError('11010519491231002X')).toBe('non-error value thrown');
  });
});
