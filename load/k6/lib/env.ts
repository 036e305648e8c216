/*
 * The scenarios' parameters, from `k6 run -e NAME=value` (or the environment): every name is
 * listed in load/k6/README.md. A malformed value stops the test in the init stage.
 */
import { parseDuration } from './chat.ts';

export function text(name: string, fallback?: string): string {
  const value = __ENV[name];
  if (value !== undefined && value !== '') return value;
  if (fallback === undefined) throw new Error(`${name} is required`);
  return fallback;
}

export function optional(name: string): string | undefined {
  const value = __ENV[name];
  return value === undefined || value === '' ? undefined : value;
}

export function count(name: string, fallback: number, min = 1): number {
  const raw = optional(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

export function real(name: string, fallback: number, min = 0, max = Infinity): number {
  const raw = optional(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** A k6-style duration (`30s`, `1m30s`, `500ms`) in milliseconds. */
export function duration(name: string, fallback: string): number {
  const raw = text(name, fallback);
  try {
    return parseDuration(raw);
  } catch {
    throw new Error(`${name} must be a duration such as 30s, 2m or 500ms, got "${raw}"`);
  }
}

/** The deployment under test, without a trailing slash. */
export function baseUrl(name = 'PARLEY_URL', fallback = 'http://127.0.0.1:3000'): string {
  return text(name, fallback).replace(/\/+$/, '');
}

/** Seconds for k6 options such as `maxDuration`. */
export const seconds = (ms: number): string => `${Math.ceil(ms / 1000)}s`;
