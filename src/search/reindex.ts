import mongoose, { Types } from 'mongoose';
import { loadConfigOrExit } from '../config/load-config';
import { createLogger } from '../infra/logger';
import { toMessage } from '../messages/message.types';
import { OpenSearchIndex } from './opensearch-index';
import { indexName, toSearchDoc } from './search-mapping';

/**
 * `npm run search:reindex` (node dist/search/reindex.js, configured like the service): builds
 * a new index from MongoDB, then moves the alias to it in one step and deletes the old one.
 * Queries keep using the old index until the move; changes made meanwhile still go to the
 * old index, so every message changed since the rebuild began is written again after it
 * (external versions make the repeat harmless).
 */
async function reindex(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, config.nodeId);
  if (!config.search.url) throw new Error('SEARCH_URL is not set');
  const index = new OpenSearchIndex({ ...config.search, url: config.search.url }, logger);
  const mongo = await mongoose.createConnection(config.mongo.url).asPromise();
  try {
    const started = new Date();
    const target = `${indexName(config.search.alias)}-r${started.getTime()}`;
    await index.createIndex(target);
    const live = new Set(
      (
        await mongo
          .collection('conversations')
          .find({ deletedAt: null }, { projection: { _id: 1 } })
          .toArray()
      ).map((d) => String(d._id)),
    );
    const copy = async (filter: object) => {
      let after: Types.ObjectId | undefined;
      let total = 0;
      for (;;) {
        const docs = await mongo
          .collection('messages')
          .find({ ...filter, ...(after && { _id: { $gt: after } }) })
          .sort({ _id: 1 })
          .limit(config.search.batchSize)
          .toArray();
        if (docs.length === 0) return total;
        after = docs[docs.length - 1]._id as Types.ObjectId;
        const batch = docs
          .map((d) => toMessage(d as never))
          .filter((m) => !m.deletedAt && live.has(m.conversationId))
          .map(toSearchDoc);
        await index.writeTo(target, batch);
        total += batch.length;
      }
    };
    const copied = await copy({});
    const old = await index.moveAlias(target);
    const caughtUp = await copy({ updatedAt: { $gte: started } });
    for (const name of old) await index.client.indices.delete({ index: name });
    logger.info(
      { index: target, alias: config.search.alias, copied, caughtUp, deleted: old },
      'search index rebuilt',
    );
  } finally {
    await mongo.close();
    await index.close();
  }
}

reindex().catch((err: unknown) => {
  process.stderr.write(`reindex failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
