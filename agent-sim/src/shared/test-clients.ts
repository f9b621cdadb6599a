// HTTP clients of the simulators' own route tests: what a vendor SDK would do for a token or a paged OData listing.

/** A response's status and its JSON body (OData listings carry `value`). */
export interface JsonReply {
  status: number;
  body: Record<string, unknown> & { value?: unknown[] };
}

/** Reads a fetch response as a `JsonReply`. */
export async function json(res: Response): Promise<JsonReply> {
  return { status: res.status, body: (await res.json()) as JsonReply['body'] };
}

/** A bearer token from an OAuth 2.0 client-credentials endpoint (Entra's `/t/oauth2/v2.0/token`, Jamf's `/api/oauth/token`). */
export async function clientCredentialsToken(tokenUrl: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const t = await fetch(tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
  });
  return ((await t.json()) as { access_token: string }).access_token;
}

/** Every page of an OData listing from the URL `first`, following `@odata.nextLink` until a page has none. */
export async function odataPages(first: string, headers: Record<string, string>): Promise<JsonReply[]> {
  const pages: JsonReply[] = [];
  for (let next: string | undefined = first; next;) {
    const r = await fetch(next, { headers }).then(json);
    pages.push(r);
    next = r.body['@odata.nextLink'] as string | undefined;
  }
  return pages;
}
