import { randomUUID } from 'node:crypto';
import { tokenFor } from './tokens';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A signed-in user of the REST API: `user.post('/conversations', {...})`. */
export class ApiUser {
  private constructor(
    readonly baseUrl: string,
    readonly id: string,
    private readonly token: string,
  ) {}

  static async create(baseUrl: string, id: string = randomUUID()): Promise<ApiUser> {
    return new ApiUser(baseUrl, id, await tokenFor(id));
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T = any>(path: string, body?: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = any>(path: string) => this.request<T>('DELETE', path);

  /** `rawBody` is sent as is (for malformed JSON); otherwise `body` is JSON-encoded. */
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    rawBody?: string,
  ): Promise<Reply<T>> {
    return send<T>(
      this.baseUrl,
      method,
      path,
      { authorization: `Bearer ${this.token}` },
      body,
      rawBody,
    );
  }
}

export async function send<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  rawBody?: string,
): Promise<Reply<T>> {
  const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...headers,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: payload,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
