import { deterministicEventId } from './command-handling';

describe('deterministicEventId', () => {
  it('derives the same id as every earlier version did: a re-import after an upgrade must find its events stored', () => {
    // Computed once with SHA-256 over the parts joined by U+001F, laid out as a version-8 UUID.
    expect(
      deterministicEventId('person-p_abc', 'household-registration', 'HJ0000000001', 'RegisterPerson', 0, 'PersonRegistered', '参保'),
    ).toBe('d5b962b0-ca0e-8188-9fa1-40078825b6cc');
  });

  it('gives different ids for different parts, in UUID shape', () => {
    const a = deterministicEventId('s', 'x', 1);
    const b = deterministicEventId('s', 'x', 2);
    expect(a).not.toBe(b);
    for (const id of [a, b]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
