/** The JSON body of a GraphQL response. */
export interface GraphQLResponse<Data = Record<string, unknown>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface PostedGraphQL<Data> {
  status: number;
  body: GraphQLResponse<Data>;
  headers: Headers;
}

/** Posts one GraphQL operation over HTTP; used by tests, the CLI smoke check and the benchmarks. */
export async function postGraphQL<Data = Record<string, unknown>>(
  url: string,
  request: ({ query: string } | { documentId: string }) & {
    variables?: Record<string, unknown>;
    operationName?: string;
  },
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<PostedGraphQL<Data>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: GraphQLResponse<Data>;
  try {
    body = JSON.parse(text) as GraphQLResponse<Data>;
  } catch {
    throw new Error(`Non-JSON response (${response.status}): ${text.slice(0, 200)}`);
  }
  return { status: response.status, body, headers: response.headers };
}
