/**
 * AppConfig's answers that mean "not in this state", not "broken": BadRequestException (e.g.
 * StopDeployment on a deployment that is no longer DEPLOYING, or a revert past 72 h) and
 * ConflictException (another deployment in progress). Both happen when something else moved
 * the deployment between our read and our call — AppConfig's own monitor rolling it back, the
 * bake ending, on-call's kill switch — so the caller reads again and re-plans.
 * Matched by name: that is what the SDK's exceptions and every mock of them share.
 */
export function isStateRefusal(err: unknown): err is Error {
  return err instanceof Error && (err.name === 'BadRequestException' || err.name === 'ConflictException');
}
