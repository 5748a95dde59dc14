/**
 * What one check concludes about the new model on the window so far:
 * - fail: its rate exceeds the default model's by more than the margin, with confidence;
 * - pass: a regression beyond the margin is excluded, with confidence;
 * - inconclusive: neither yet (too few calls, or a difference near the margin).
 */
export type Verdict = 'fail' | 'pass' | 'inconclusive';
