import type { Provider } from '@nestjs/common';
import type { Connection, Schema } from 'mongoose';
import { MONGO_CONNECTION } from './tokens';

/**
 * Registers a model on the shared connection and builds its indexes before anything can
 * use it, so a unique index is in force before the first write. Building is idempotent, so
 * every node of the cluster does it at start-up.
 */
export function modelProvider(name: string, schema: Schema): Provider {
  return {
    provide: name,
    inject: [MONGO_CONNECTION],
    useFactory: async (connection: Connection) => {
      const model = connection.model(name, schema);
      await model.createCollection().catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err;
      });
      await model.createIndexes();
      return model;
    },
  };
}
