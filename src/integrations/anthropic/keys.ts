/**
 * What of an Anthropic request enters its cache key, and which requests are never cached.
 *
 * The key material is the request body without `stream` and `metadata.user_id` (neither changes
 * the answer), plus the `anthropic-beta` features the call enables (they do). Everything else
 * is part of it: model, messages (images and documents by content), system, tools, tool choice,
 * thinking, sampling parameters, stop sequences, output config, service tier, `workspace_id`
 * and `user_profile_id`. The client's base URL is added by the wrapper as the path's scope;
 * credentials and other headers never are.
 *
 * @module
 */

/** An Anthropic request as the codec sees it. */
export interface AnthropicRequest {
  /** The `messages.create` body, as the caller wrote it. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The `anthropic-beta` features of the call (client default headers and request headers), sorted. */
  readonly betas?: readonly string[];
}

/** Body fields left out of keys: they do not change the answer. */
export const EXCLUDED_REQUEST_FIELDS: readonly string[] = Object.freeze(['stream']);

/**
 * Tool types whose answers depend on server-side state the cache cannot reproduce (a code
 * execution container that the answer names and later requests reuse).
 */
export const STATEFUL_TOOL_PREFIXES: readonly string[] = Object.freeze([
  'code_execution',
  'bash_code_execution',
  'text_editor_code_execution',
]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key material of a request (see the module notes). */
export function keyMaterial(request: AnthropicRequest): unknown {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request.params)) {
    if (EXCLUDED_REQUEST_FIELDS.includes(field) || value === undefined) continue;
    if (field === 'metadata' && isRecord(value)) {
      const { user_id: _user, ...rest } = value;
      if (Object.keys(rest).length > 0) body.metadata = rest;
      continue;
    }
    body[field] = value;
  }
  return request.betas && request.betas.length > 0 ? { body, betas: request.betas } : { body };
}

/**
 * Why a request is never cached, or `undefined`:
 * - `container`: it runs in (or reuses) a server-side code execution container;
 * - `diagnostics`: its answer reports on the server's prompt cache for a previous message;
 * - a code execution tool: its answer names a container that later requests reuse.
 */
export function bypassReason(request: AnthropicRequest): string | undefined {
  const { params } = request;
  if (params.container != null) return 'container';
  if (params.diagnostics != null) return 'diagnostics';
  const tools = Array.isArray(params.tools) ? params.tools : [];
  for (const tool of tools) {
    const type = isRecord(tool) && typeof tool.type === 'string' ? tool.type : '';
    if (STATEFUL_TOOL_PREFIXES.some((prefix) => type.startsWith(prefix))) return `tool:${type}`;
  }
  return undefined;
}

/** Whether answers vary from call to call: sampling temperature above 0 (Anthropic's default is 1). */
export function isSampled(request: AnthropicRequest): boolean {
  const { temperature, top_k } = request.params;
  if (top_k === 1) return false;
  return typeof temperature === 'number' ? temperature > 0 : true;
}

/** The value of header `name` in any `HeadersLike` shape (record, array of pairs, `Headers`). */
export function headerValues(headers: unknown, name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  const add = (key: unknown, value: unknown) => {
    if (typeof key !== 'string' || key.toLowerCase() !== wanted || value == null) return;
    if (Array.isArray(value)) for (const v of value) out.push(String(v));
    else out.push(String(value));
  };
  if (headers == null) return out;
  if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
    (headers as Headers).forEach((value, key) => {
      add(key, value);
    });
  } else if (Array.isArray(headers)) {
    for (const entry of headers) if (Array.isArray(entry)) add(entry[0], entry[1]);
  } else if (isRecord(headers)) {
    for (const [key, value] of Object.entries(headers)) add(key, value);
  }
  return out;
}

/** The sorted, deduplicated `anthropic-beta` features of some header sets. */
export function betasOf(...headerSets: unknown[]): string[] {
  const features = new Set<string>();
  for (const headers of headerSets) {
    for (const value of headerValues(headers, 'anthropic-beta')) {
      for (const feature of value.split(',')) if (feature.trim()) features.add(feature.trim());
    }
  }
  return [...features].sort();
}

/**
 * The scope of a client: its base URL's origin and path (no credentials, query or fragment;
 * trailing slashes dropped).
 */
export function baseUrlScope(baseURL: unknown): string {
  if (typeof baseURL !== 'string' || baseURL === '') return 'https://api.anthropic.com';
  try {
    const url = new URL(baseURL);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    // Not a URL the client can use either: kept apart from every other, userinfo removed.
    return baseURL.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
