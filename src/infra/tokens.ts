/** Injection tokens for the clients built once from AppConfig (see infra.module.ts). */
export const LOGGER = Symbol('LOGGER');
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
export const REDIS = Symbol('REDIS');
export const KAFKA = Symbol('KAFKA');
export const S3 = Symbol('S3');
