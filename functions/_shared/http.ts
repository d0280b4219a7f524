// JSON responses, CORS, and one mapping from errors to HTTP statuses: SQLSTATEs map through error-statuses.ts, the
// same table PostgREST applies (docs/conventions.md), so a refusal reads the same through /rest/v1 or /functions/v1.
// Versioned npm: specifiers deploy as they are, with no import map (the same versions as package.json).
// deno-lint-ignore no-import-prefix
import { z } from 'npm:zod@4.6.7';
import { statusBySqlState } from './error-statuses.ts';

export { statusBySqlState };

export const corsHeaders: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type',
  'access-control-allow-methods': 'POST, OPTIONS',
};

/** A refusal with a status, a stable snake_case `code` a program can switch on, and a message a person can read. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...corsHeaders, 'content-type': 'application/json', ...headers } });
}

export function errorBody(code: string, message: string, details?: unknown) {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

type PostgresLikeError = Error & { code: string; hint?: string; detail?: string; constraint_name?: string };

function isPostgresError(error: unknown): error is PostgresLikeError {
  // postgres.js PostgresError: a SQLSTATE code plus the server's severity.
  return error instanceof Error && error.name === 'PostgresError' && typeof (error as PostgresLikeError).code === 'string';
}

/** The response for any error a handler throws. Unexpected errors are logged and answered 500 without detail. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) return json(errorBody(error.code, error.message, error.details), error.status);
  if (error instanceof z.ZodError) {
    return json(errorBody('invalid_body', 'the request body is not valid', z.flattenError(error)), 400);
  }
  if (isPostgresError(error)) {
    const status = statusBySqlState[error.code];
    if (status) {
      // The hint is the stable reason code (conventions.md); a constraint's name explains a table rule.
      const code = error.hint ?? error.constraint_name ?? error.code;
      return json(errorBody(code, error.message, error.detail ? { detail: error.detail } : undefined), status);
    }
  }
  console.error(error);
  return json(errorBody('internal_error', 'something went wrong on our side; try again'), 500);
}

/**
 * Wraps a handler: answers CORS preflights, allows only the given methods, and turns thrown errors into
 * responses. A handler returns its success response and throws everything else.
 */
export function endpoint(methods: string[], handler: (request: Request) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    if (request.method === 'OPTIONS') return new Response('ok', { headers: corsHeaders });
    if (!methods.includes(request.method)) {
      return json(errorBody('method_not_allowed', `use ${methods.join(' or ')}`), 405, { allow: methods.join(', ') });
    }
    try {
      return await handler(request);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Reads a JSON body and validates it; an empty body counts as `{}` so optional-only bodies may be omitted. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const text = await request.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json', 'the request body is not JSON');
    }
  }
  return schema.parse(value);
}

export { z };
