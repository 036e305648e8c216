// k6 provides a console (log, info, warn, error, debug) that @types/k6 does not declare; the
// k6 type-check leaves out DOM and Node types, so it is declared here and nowhere else.
declare global {
  const console: {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
  };
}
export {};
