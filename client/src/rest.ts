import { ParleyError } from './errors.js';
import type { paths } from './openapi.js';
import type { ErrorCode, Problem } from './wire.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Path = keyof paths;
/** The methods a path has in the OpenAPI document. */
export type MethodOf<P extends Path> = {
  [M in Method]-?: [NonNullable<paths[P][M]>] extends [never] ? never : M;
}[Method];
type Operation<P extends Path, M extends MethodOf<P>> = NonNullable<paths[P][M]>;
type Parameters<O> = O extends { parameters: infer X } ? X : never;
type PathParams<O> = Parameters<O> extends { path: infer X } ? X : never;
type QueryParams<O> = Parameters<O> extends { query?: infer Q } ? Q : never;
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : never;
type Answer<R, S extends number> = R extends {
  [K in S]: { content: { 'application/json': infer T } };
}
  ? T
  : never;
/** What a successful call answers (its 200 or 201 body). */
export type Ok<P extends Path, M extends MethodOf<P>> =
  Operation<P, M> extends { responses: infer R } ? Answer<R, 200> | Answer<R, 201> : never;

export type RequestOptions<P extends Path, M extends MethodOf<P>> = {
  path?: PathParams<Operation<P, M>>;
  query?: QueryParams<Operation<P, M>>;
  body?: JsonBody<Operation<P, M>>;
};

/**
 * A small fetch wrapper typed by the generated OpenAPI paths: `rest.request('get',
 * '/conversations/{id}', { path: { id } })`. Errors become ParleyError with the problem's
 * `code` (and `retryAfterMs` from Retry-After); a 401 is retried once with a fresh token.
 */
export class RestClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: (fresh?: boolean) => Promise<string>,
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<P extends Path, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: RequestOptions<P, M> = {},
  ): Promise<Ok<P, M>> {
    const url = this.url(
      path,
      options.path as Record<string, string> | undefined,
      options.query as object | undefined,
    );
    let answer = await this.call(method, url, options.body, await this.token());
    if (answer.status === 401)
      answer = await this.call(method, url, options.body, await this.token(true));
    const text = await answer.text();
    const json = text ? JSON.parse(text) : undefined;
    if (answer.ok) return json as Ok<P, M>;
    throw problemError(answer, json as Partial<Problem> | undefined);
  }

  private async call(method: string, url: string, body: unknown, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetcher(url, {
        method: method.toUpperCase(),
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // A browser reports a CORS refusal and an unreachable server alike: no answer.
      throw new ParleyError('network', `${method.toUpperCase()} ${url}: ${(err as Error).message}`);
    }
  }

  private url(path: string, params?: Record<string, string>, query?: object): string {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params?.[name];
      if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) search.set(key, String(value));
    }
    const qs = search.toString();
    return `${this.baseUrl.replace(/\/$/, '')}${filled}${qs ? `?${qs}` : ''}`;
  }
}

function problemError(answer: Response, problem: Partial<Problem> | undefined): ParleyError {
  const retryAfter = Number(answer.headers.get('retry-after'));
  return new ParleyError(
    (problem?.code ?? (answer.status >= 500 ? 'unavailable' : 'internal')) as ErrorCode,
    problem?.detail ?? answer.statusText,
    answer.status,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    problem?.errors,
  );
}
