/** One problem in the rollout config: where, what was there, and what to do. */
export interface ConfigIssue {
  /** Dotted path of the key, e.g. `rollout.phases[1].rolloutPercent`. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** The value found at `path` (undefined when the key is missing). */
  readonly value?: unknown;
}

/** Formats a path of zod keys as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The rollout config is invalid; `issues` lists every problem found, not just the first. */
export class RolloutConfigError extends Error {
  public readonly issues: readonly ConfigIssue[];

  public constructor(source: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const lines = issues.map((i) => `  - ${i.path || '(top level)'}: ${i.message} (got ${describeValue(i.value)})`);
    super(`Invalid rollout config ${source}:\n${lines.join('\n')}`, options);
    this.name = 'RolloutConfigError';
    this.issues = issues;
  }
}
