import { TOPICS } from './chat-events';
import { OutboxRow, planRound, Verdict } from './relay-plan';

const row = (id: string, conversationId: string, ageMs = 0): OutboxRow => ({
  id,
  ord: id,
  type: 'chat.message.created',
  topic: TOPICS.messages,
  conversationId,
  time: new Date(NOW - ageMs),
  data: {},
});
const NOW = 1_000_000;
const GRACE = 30_000;
const ids = (rows: OutboxRow[]) => rows.map((r) => r.id);

describe('planRound', () => {
  it('publishes verified events in order', () => {
    const rows = [row('1', 'a'), row('2', 'b'), row('3', 'a')];
    const plan = planRound(rows, new Map(rows.map((r) => [r.id, 'stored' as Verdict])), NOW, GRACE);
    expect(ids(plan.ready)).toEqual(['1', '2', '3']);
    expect(plan.dropped).toEqual([]);
    expect(plan.waiting.size).toBe(0);
  });

  it('holds a conversation behind its first unverified event, not the others', () => {
    const rows = [row('1', 'a'), row('2', 'a'), row('3', 'b'), row('4', 'a')];
    const verdicts = new Map<string, Verdict>([
      ['1', 'stored'],
      ['2', 'missing'],
      ['3', 'stored'],
      ['4', 'stored'],
    ]);
    const plan = planRound(rows, verdicts, NOW, GRACE);
    expect(ids(plan.ready)).toEqual(['1', '3']);
    expect(plan.waiting.get('a')?.id).toBe('2');
  });

  it('drops a change still missing after the grace period and goes on', () => {
    const rows = [row('1', 'a', GRACE + 1), row('2', 'a')];
    const verdicts = new Map<string, Verdict>([
      ['1', 'missing'],
      ['2', 'stored'],
    ]);
    const plan = planRound(rows, verdicts, NOW, GRACE);
    expect(ids(plan.dropped)).toEqual(['1']);
    expect(ids(plan.ready)).toEqual(['2']);
  });

  it('never drops on a failed check, however old the event', () => {
    const rows = [row('1', 'a', 10 * GRACE), row('2', 'a')];
    const plan = planRound(rows, new Map([['2', 'stored' as Verdict]]), NOW, GRACE);
    expect(plan.dropped).toEqual([]);
    expect(plan.ready).toEqual([]);
    expect(plan.waiting.get('a')?.id).toBe('1');
  });
});
