/**
 * The one way the pages talk to the service: fetch against the same origin, the bearer token
 * of the session, problem+json errors turned into ApiError with the API's stable code. A 401
 * ends the session (the token expired or was refused) and tells whoever listens, so the
 * console signs out instead of showing a page of errors.
 */

export interface ProblemError {
  field: string;
  code: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: ProblemError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail || code);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /** Answer the Response itself (downloads, images). */
  raw?: boolean;
  /** Send without the session's token (the H5 page brings its own). */
  token?: string | null;
}

type TokenSource = () => string | null;
let tokenSource: TokenSource = () => null;
const unauthorizedListeners = new Set<(error: ApiError) => void>();

export function useTokenSource(source: TokenSource): void {
  tokenSource = source;
}

export function onUnauthorized(listener: (error: ApiError) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = options.token === undefined ? tokenSource() : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The service could not be reached.');
  }
  if (!response.ok) throw await problemOf(response, token !== null && token !== undefined);
  if (options.raw) return response as unknown as T;
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

async function problemOf(response: Response, hadToken: boolean): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // Not problem+json (a proxy's page): the status says enough.
  }
  const retryAfter = response.headers.get('Retry-After');
  const { code, detail, errors, ...extra } = body as { code?: string; detail?: string; errors?: ProblemError[] };
  const error = new ApiError(
    response.status,
    typeof code === 'string' ? code : `HTTP_${response.status}`,
    typeof detail === 'string' ? detail : response.statusText,
    Array.isArray(errors) ? errors : [],
    { ...extra, ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}) },
  );
  if (response.status === 401 && hadToken) for (const listener of unauthorizedListeners) listener(error);
  return error;
}

export const api = {
  get: <T>(path: string, query?: Query, options: RequestOptions = {}) => request<T>('GET', path, { ...options, query }),
  post: <T>(path: string, body?: unknown, options: RequestOptions = {}) => request<T>('POST', path, { ...options, body }),
  upload: <T>(path: string, form: FormData) => request<T>('POST', path, { form }),
};

/**
 * Downloads a file the API answers (rejections CSV, exports) with the session's token: the
 * browser cannot put a bearer token on a plain link, so the file is fetched and handed to it.
 */
export async function download(path: string, query: Query | undefined, fallbackName: string): Promise<void> {
  const response = await request<Response>('GET', path, { query, raw: true, headers: { Accept: '*/*' } });
  const blob = await response.blob();
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] ?? match[2]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
