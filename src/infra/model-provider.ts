import type { Provider } from '@nestjs/common';
import type { Connection, Schema } from 'mongoose';
import { MONGO_CONNECTION } from './tokens';

/**
 * Registers a model on the shared connection and makes sure its collection and indexes exist
 * before anything can use it, so a unique index is in force before the first write.
 *
 * Only what is missing is created: a node joining a running cluster just reads the index
 * list. (FerretDB's SQLite backend can deadlock when createIndexes runs on a database that
 * is busy serving other connections: its metadata lock waits on a pooled connection held by
 * requests that wait on that lock.)
 */
export function modelProvider(name: string, schema: Schema): Provider {
  return {
    provide: name,
    inject: [MONGO_CONNECTION],
    useFactory: async (connection: Connection) => {
      const model = connection.model(name, schema);
      const existing = await model.collection
        .listIndexes()
        .toArray()
        .catch(() => [] as { name?: string }[]); // the collection does not exist yet
      const have = new Set(existing.map((i) => i.name));
      const wanted = schema.indexes().map(([, options]) => (options as { name?: string }).name);
      if (existing.length > 0 && wanted.every((n) => n && have.has(n))) return model;
      await model.createCollection().catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err;
      });
      await model.createIndexes();
      return model;
    },
  };
}
