/**
 * What Gatehouse's own CLI builds from the core beyond the public API (`index.ts`): parts a
 * management command wires itself, without a whole Gatehouse. Not a package entry point.
 */

export { createOperatorResetLink } from "./accounts/operator-links.js";
export { createAuditLog } from "./audit/audit-log.js";
export { removeSecondFactor } from "./mfa/remove-factor.js";
export { resolveOptions } from "./options.js";
export { createSessionDirectory } from "./sessions/session-directory.js";
export { userCounterKeys } from "./throttle/login-throttle.js";
export { isEnabledAdmin } from "./users/last-admin.js";
export { validateImportedProfile, validateImportedUser } from "./users/user-import.js";
export { createUserService } from "./users/user-service.js";
