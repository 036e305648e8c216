/**
 * Retries `assertion` until it passes or `timeoutMs` runs out, then rethrows its last
 * failure. For asynchronous effects: wait for the effect, never sleep a fixed time.
 */
export async function expectEventually<T>(
  assertion: () => Promise<T> | T,
  { timeoutMs = 20_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
