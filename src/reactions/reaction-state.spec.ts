import { applyReaction, fromStored, toWire, USER_IDS_ON_WIRE } from './reaction-state';

describe('reaction state', () => {
  it('lists at most 100 users per emoji on the wire with an exact count', () => {
    const users = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const [wire] = toWire(fromStored([{ emoji: '👍', userIds: users }]));
    expect(wire.count).toBe(150);
    expect(wire.userIds).toEqual(users.slice(0, USER_IDS_ON_WIRE));
  });

  it('drops an emoji when its last user removes it, freeing a distinct slot', () => {
    let set = fromStored([{ emoji: ':a:', userIds: ['u1'] }]);
    set = applyReaction(set, 'u1', ':a:', false, 1);
    expect(toWire(set)).toEqual([]);
    set = applyReaction(set, 'u2', ':b:', true, 1);
    expect(toWire(set)).toEqual([{ emoji: ':b:', count: 1, userIds: ['u2'] }]);
  });
});
