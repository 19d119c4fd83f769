/** The dashboard API as the pages call it: JSON or an ApiError carrying the server's message. */

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  /** The query parameter the server refused, when it named one. */
  readonly parameter: string | undefined;

  constructor(message: string, status: number, parameter?: string) {
    super(message);
    this.status = status;
    this.parameter = parameter;
  }
}

export async function getJson<T>(
  path: string,
  params: URLSearchParams,
  extra: Record<string, string> = {},
): Promise<T> {
  const query = new URLSearchParams(params);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  const text = query.toString();
  let response: Response;
  try {
    response = await fetch(text ? `${path}?${text}` : path, { headers: { accept: "application/json" } });
  } catch (cause) {
    throw new ApiError(`the server does not answer (${(cause as Error).message})`, 0);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      body && typeof body.error === "string" ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, body?.parameter);
  }
  return body as T;
}
