import { CitizenId } from '../identity/citizen-id';
import {
  WeakKeyError,
  blindIndex,
  isPersonId,
  parsePersonId,
  personIdFor,
  personIdFromStreamName,
  personStreamName,
} from './person-stream';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER_KEY = 'another-key-of-sufficient-length';

function id(raw: string): CitizenId {
  const result = CitizenId.parse(raw);
  if (!result.ok) throw new Error('bad fixture');
  return result.value;
}

describe('person ids and stream names', () => {
  const citizen = id('11010519491231002X');

  it('is p_ plus 26 lower-case base32 characters', () => {
    expect(personIdFor(citizen, KEY)).toMatch(/^p_[a-z2-7]{26}$/);
  });

  it('is stable for the same ID however it was typed, and keyed', () => {
    expect(personIdFor(id(' 11010519491231002x'), KEY)).toBe(personIdFor(citizen, KEY));
    // The 15-digit form of the same person upgrades to the same number, hence the same stream.
    expect(personIdFor(id('110105491231002'), KEY)).toBe(personIdFor(citizen, KEY));
    expect(personIdFor(id('110101199003071233'), KEY)).not.toBe(personIdFor(citizen, KEY));
    expect(personIdFor(citizen, OTHER_KEY)).not.toBe(personIdFor(citizen, KEY));
  });

  it('never contains the ID or its digits', () => {
    const personId = personIdFor(citizen, KEY);
    expect(personStreamName(personId)).toBe(`person-${personId}`);
    expect(personStreamName(personId)).not.toMatch(/110105|002X/i);
  });

  it('refuses short keys', () => {
    expect(() => personIdFor(citizen, 'short')).toThrow(WeakKeyError);
    expect(() => blindIndex('x', Buffer.alloc(8))).toThrow(WeakKeyError);
  });

  it('parses ids and stream names back', () => {
    const personId = personIdFor(citizen, KEY);
    expect(parsePersonId(personId)).toBe(personId);
    expect(isPersonId(personId)).toBe(true);
    for (const bad of ['', 'p_', 'P_' + personId.slice(2), personId + 'a', 'p_' + '1'.repeat(26), 'person-' + personId]) {
      expect(parsePersonId(bad)).toBeUndefined();
    }
    expect(personIdFromStreamName(personStreamName(personId))).toBe(personId);
    expect(personIdFromStreamName('import-123')).toBeUndefined();
  });
});

describe('blindIndex', () => {
  it('is deterministic, keyed and separated by purpose and from person ids', () => {
    const value = '11010519491231002X';
    expect(blindIndex(value, KEY)).toBe(blindIndex(value, KEY));
    expect(blindIndex(value, KEY)).toMatch(/^[a-z2-7]{52}$/);
    expect(blindIndex(value, OTHER_KEY)).not.toBe(blindIndex(value, KEY));
    expect(blindIndex(value, KEY, 'name')).not.toBe(blindIndex(value, KEY, 'citizen-id'));
    expect(blindIndex(value, KEY).slice(0, 26)).not.toBe(personIdFor(id(value), KEY).slice(2));
  });

  it('distinguishes rare characters exactly', () => {
    expect(blindIndex('张𬌗伟', KEY)).not.toBe(blindIndex('张?伟', KEY));
  });
});
