/**
 * Anthropic model ids with their retirement dates (calls fail after them). Used to refuse
 * a config that would route traffic — especially the fallback — to a model that no longer
 * answers. Sources: Anthropic's model-deprecations page.
 * `rollout preflight` checks the live API as well; this list catches the known cases at synth.
 */
export interface ModelRetirement {
  readonly vendorModelId: string;
  /** ISO date (YYYY-MM-DD) from which calls fail. */
  readonly retiredOn: string;
  readonly replacement: string;
}

export const MODEL_RETIREMENTS: readonly ModelRetirement[] = [
  { vendorModelId: 'claude-instant-1.2', retiredOn: '2024-11-06', replacement: 'claude-haiku-4-5' },
  { vendorModelId: 'claude-2.0', retiredOn: '2025-07-21', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-2.1', retiredOn: '2025-07-21', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-3-sonnet-20240229', retiredOn: '2025-07-21', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-3-5-sonnet-20240620', retiredOn: '2025-10-28', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-3-5-sonnet-20241022', retiredOn: '2025-10-28', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-3-opus-20240229', retiredOn: '2026-01-05', replacement: 'claude-opus-4-8' },
  { vendorModelId: 'claude-3-5-haiku-20241022', retiredOn: '2026-02-19', replacement: 'claude-haiku-4-5' },
  { vendorModelId: 'claude-3-7-sonnet-20250219', retiredOn: '2026-02-19', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-3-haiku-20240307', retiredOn: '2026-04-19', replacement: 'claude-haiku-4-5' },
  { vendorModelId: 'claude-sonnet-4-20250514', retiredOn: '2026-06-15', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-opus-4-20250514', retiredOn: '2026-06-15', replacement: 'claude-opus-4-8' },
  { vendorModelId: 'claude-sonnet-4-5', retiredOn: '2026-11-30', replacement: 'claude-sonnet-4-6' },
  { vendorModelId: 'claude-sonnet-4-5-20250929', retiredOn: '2026-11-30', replacement: 'claude-sonnet-4-6' },
];

/** The retirement of `vendorModelId` if it is retired on or before `today` (YYYY-MM-DD). */
export function findRetirement(vendorModelId: string, today: string): ModelRetirement | undefined {
  return MODEL_RETIREMENTS.find((r) => r.vendorModelId === vendorModelId && r.retiredOn <= today);
}
