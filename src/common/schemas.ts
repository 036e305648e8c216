import { z } from 'zod';

/*
 * Field schemas shared by REST DTOs (createZodDto) and socket payloads, so both edges accept
 * exactly the same values and the OpenAPI document shows them.
 *
 * House rules for every request schema built from these:
 * - Objects are `z.strictObject({...})`: unknown keys are refused with 400, never silently
 *   dropped (z.object strips) or passed through. That also refuses `__proto__`/`constructor`
 *   keys that survive JSON.parse as own properties.
 * - Every string and array is bounded, so no request can make us hold or scan unbounded input.
 */

/** A user id: any RFC 9562 UUID (versions 1-8), lower-cased so rooms and comparisons match. */
export const userId = z.uuid().toLowerCase();

/** A MongoDB ObjectId as the API prints it: 24 lower-case hex digits. */
export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');

/**
 * An integer that also accepts its decimal string (query strings arrive as text).
 * Stricter than z.coerce.number(), which turns '' into 0 and accepts '1e3' or '0x10'.
 */
const integer = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );

/** A conversation sequence number (`seq` starts at 1; 0 means "nothing seen yet"). */
export const seq = integer(0, Number.MAX_SAFE_INTEGER);

/** A page size from 1 to `max`, `fallback` when absent. */
export const limit = (max: number, fallback: number) => integer(1, max).default(fallback);

/** An opaque paging cursor this API returned (base64url); checked again when decoded. */
export const cursor = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor this API returned');
