import mongoose, { Connection } from 'mongoose';
import type { AppConfig } from '../config/app-config';

// Unknown filter keys are dropped instead of reaching the server as a query (a user-supplied
// object can never become an operator through a path the schema does not declare).
mongoose.set('strictQuery', true);

/**
 * Opens the one connection the service uses. Indexes are not built implicitly (`autoIndex`
 * off); each model's module builds them at start-up so a failure is loud and attributable.
 */
export async function connectMongo(config: AppConfig): Promise<Connection> {
  const connection = mongoose.createConnection(config.mongo.url, {
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 5000,
    socketTimeoutMS: config.mongo.socketTimeoutMs,
    heartbeatFrequencyMS: 2000,
    maxPoolSize: 50,
    // Acknowledged only once a majority holds it where a replica set exists; a single
    // server (FerretDB here) treats majority as itself.
    writeConcern: { w: 'majority' },
  });
  return connection.asPromise();
}
