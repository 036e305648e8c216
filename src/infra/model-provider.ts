import type { Provider } from '@nestjs/common';
import type { Connection, Schema } from 'mongoose';
import { MONGO_CONNECTION } from './tokens';

/**
 * Index options of our own, removed before the index reaches the server:
 * `notOnFerretDb` marks an index over an array field that FerretDB must not build. FerretDB
 * v1 on PostgreSQL builds an index as a btree over the whole field's JSON, so a document whose
 * array outgrows a btree row (about 2.7 KB: a group of some 60 participants) could not be
 * stored at all; MongoDB indexes each element (a multikey index) and keeps it.
 */
export interface ParleyIndexOptions {
  notOnFerretDb?: boolean;
}

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
      const ferretDb = await isFerretDb(connection);
      const wanted = schema.indexes().flatMap(([fields, options]) => {
        const { notOnFerretDb, ...rest } = options as ParleyIndexOptions & { name?: string };
        return notOnFerretDb && ferretDb ? [] : [{ fields, options: rest }];
      });
      if (existing.length > 0 && wanted.every((w) => w.options.name && have.has(w.options.name)))
        return model;
      await model.createCollection().catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err;
      });
      for (const { fields, options } of wanted) {
        if (!options.name || !have.has(options.name))
          await model.collection.createIndex(fields as never, options as never);
      }
      return model;
    },
  };
}

let ferretDbAnswer: Promise<boolean> | undefined;

/** FerretDB says so in buildInfo (`ferretdbVersion`); asked once per process. */
function isFerretDb(connection: Connection): Promise<boolean> {
  ferretDbAnswer ??= connection
    .db!.admin()
    .command({ buildInfo: 1 })
    .then((info) => typeof info.ferretdbVersion === 'string');
  return ferretDbAnswer;
}
