/** The comparison checks, each a rate the new model must not raise beyond its margin. */
export const CHECK_NAMES = ['errorRate', 'throttleRate', 'refusalRate', 'slowCallShare'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
