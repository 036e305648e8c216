import type { Message } from '../messages/message.types';
import { aMessage } from '../../test/support/message-fixture';
import {
  buildQuery,
  decodeCursor,
  encodeCursor,
  escapeHtml,
  queryTerms,
  toSearchDoc,
} from './search-mapping';

const message = (over: Partial<Message> = {}): Message =>
  aMessage({
    conversationId: 'b'.repeat(24),
    seq: 3,
    content: 'hello',
    createdAt: new Date('2026-12-01T10:00:00.000Z'),
    updatedAt: new Date('2026-12-01T10:05:00.000Z'),
    clientMessageId: 'c1',
    ...over,
  });

describe('search mapping', () => {
  it('splits q on whitespace and leaves punctuation-only terms out', () => {
    expect(queryTerms('  hello,   world!  ')).toEqual(['hello,', 'world!']);
    expect(queryTerms('!!! ... hi 😀 ?')).toEqual(['hi', '😀']);
    expect(queryTerms('東京 タワー')).toEqual(['東京', 'タワー']);
    expect(queryTerms('?! …')).toEqual([]);
  });

  it('versions a document by updatedAt and tags attachments and links', () => {
    const doc = toSearchDoc(
      message({
        content: 'see https://example.org/x',
        attachments: [
          { id: 'c'.repeat(24), fileName: 'a.png', fileType: 'image/png', fileSize: 1 },
        ],
      }),
    );
    expect(doc).toMatchObject({
      version: Date.parse('2026-12-01T10:05:00.000Z'),
      createdAt: '2026-12-01T10:00:00.000Z',
      has: ['attachment', 'link'],
      seq: 3,
    });
    expect(toSearchDoc(message({ content: 'no link: https:// alone' })).has).toEqual([]);
  });

  it('requires every term, the last one also as a prefix, within the given conversations', () => {
    const q = buildQuery(['café', 'conver'], ['c1', 'c2'], { from: 'u1', has: 'link' }, 21);
    expect(q.size).toBe(21);
    expect(q.query.bool.must).toEqual([
      { match: { content: { query: 'café', operator: 'and', zero_terms_query: 'all' } } },
      {
        bool: {
          should: [
            { match: { content: { query: 'conver', operator: 'and', zero_terms_query: 'all' } } },
            {
              match: {
                'content.prefix': { query: 'conver', operator: 'and', zero_terms_query: 'all' },
              },
            },
          ],
          minimum_should_match: 1,
        },
      },
    ]);
    expect(q.query.bool.filter).toEqual([
      { terms: { conversationId: ['c1', 'c2'] } },
      { term: { senderId: 'u1' } },
      { term: { has: 'link' } },
    ]);
    expect(q.sort).toEqual([{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }]);
  });

  it('bounds dates strictly and pages after a cursor', () => {
    const q = buildQuery(
      ['x'],
      ['c1'],
      { before: new Date('2026-12-02T00:00:00Z'), after: new Date('2026-12-01T00:00:00Z') },
      5,
      { createdAt: 42, id: 'f'.repeat(24) },
    );
    expect(q.query.bool.filter[1]).toEqual({
      range: {
        createdAt: { lt: '2026-12-02T00:00:00.000Z', gt: '2026-12-01T00:00:00.000Z' },
      },
    });
    expect(q.search_after).toEqual([42, 'f'.repeat(24)]);
  });

  it('round-trips cursors and refuses anything else', () => {
    const c = { createdAt: 1764583200000, id: 'a'.repeat(24) };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('bm90LWpzb24')).toBeUndefined();
    expect(decodeCursor(Buffer.from('[1,"x"]').toString('base64url'))).toBeUndefined();
    expect(
      decodeCursor(Buffer.from('[1.5,"' + 'a'.repeat(24) + '"]').toString('base64url')),
    ).toBeUndefined();
  });

  it('escapes content the way the engine escapes highlights', () => {
    expect(escapeHtml(`<b>"Tom" & 'Jerry'</b>`)).toBe(
      '&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;&#x2F;b&gt;',
    );
  });
});
