/** What a fake AWS operation answers: status, headers and a JSON body (already encoded for its protocol). */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A successful JSON answer. */
export function ok(body: unknown, contentType: string, status = 200): Reply {
  return { status, headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

/** A decoded JSON request body: fields are read with the typed helpers below, never trusted. */
export type Input = Readonly<Record<string, unknown>>;

export function parseInput(body: string): Input {
  if (!body) return {};
  const value: unknown = JSON.parse(body);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Input) : {};
}

export function stringField(input: Input, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

export function numberField(input: Input, key: string): number | undefined {
  const value = input[key];
  return typeof value === 'number' ? value : undefined;
}

export function stringListField(input: Input, key: string): string[] | undefined {
  const value = input[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}
