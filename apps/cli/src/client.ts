export type Problem = {
  title?: string;
  detail?: string;
  status?: number;
  errors?: unknown;
};

/** A non-2xx answer from the API, carrying its problem+json body when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  constructor(status: number, problem: Problem | undefined, fallback: string) {
    super(problem?.detail ?? problem?.title ?? fallback);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

type ApiRequest = {
  method: "GET" | "POST" | "PUT";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
};

export type ApiClient = { request: (request: ApiRequest) => Promise<unknown> };

export type ApiClientOptions = {
  baseUrl: string;
  token: string | undefined;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
};

function buildUrl(baseUrl: string, request: ApiRequest): string {
  const url = new URL(`${baseUrl}/api/v1${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

async function readProblem(response: Response): Promise<Problem | undefined> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return text === "" ? undefined : { detail: text.slice(0, 200) };
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchFn = options.fetchFn ?? fetch;
  return {
    async request(request) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (options.token !== undefined)
        headers.authorization = `Bearer ${options.token}`;
      if (request.body !== undefined)
        headers["content-type"] = "application/json";
      const url = buildUrl(options.baseUrl, request);
      let response: Response;
      try {
        response = await fetchFn(url, {
          method: request.method,
          headers,
          body:
            request.body === undefined
              ? undefined
              : JSON.stringify(request.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        const reason =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        throw new ApiError(
          0,
          undefined,
          `cannot reach Kubewise at ${options.baseUrl} (${reason})`,
        );
      }
      if (!response.ok)
        throw new ApiError(
          response.status,
          await readProblem(response),
          `HTTP ${String(response.status)}`,
        );
      return response.status === 204 ? undefined : await response.json();
    },
  };
}

function fieldLines(errors: unknown): string[] {
  if (typeof errors !== "object" || errors === null) return [];
  return Object.entries(errors as Record<string, unknown>).map(
    ([field, messages]) =>
      `  ${field === "" ? "(body)" : field}: ${
        Array.isArray(messages)
          ? messages.map(String).join("; ")
          : String(messages)
      }`,
  );
}

/** "kw: <detail> (HTTP 400)" plus one line per rejected field with what it accepts. */
export function describeApiError(error: ApiError): string {
  const status = error.status === 0 ? "" : ` (HTTP ${String(error.status)})`;
  return [
    `kw: ${error.message}${status}`,
    ...fieldLines(error.problem?.errors),
  ].join("\n");
}
