import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { TokenRequestContext, TokenResponse } from "../grants/token-request.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { LoginAttemptStore } from "../throttle/attempt-store.js";
import type { LoginThrottle } from "../throttle/login-throttle.js";
import type { UserRecord } from "../users/user.js";
import type { UserService } from "../users/user-service.js";
import { createAccountLinks } from "./account-links.js";
import type { AccountMailer } from "./account-mail.js";
import type { ResolvedAccountOptions } from "./account-options.js";
import { createBackgroundTasks } from "./background-tasks.js";
import { createEmailVerification } from "./email-verification.js";
import { createPasswordReset, type ForgotPasswordInput } from "./password-reset.js";
import { createRequestLimiter, type RequestBudget, type RequestLimiter } from "./request-limiter.js";
import { createUnlockLinks, type UnlockLinks } from "./unlock-links.js";

/** Registrations one address may make per hour. */
export const REGISTRATION_BUDGET: RequestBudget = { name: "r", allowance: 10, windowSeconds: 3600 };
/** Forgot-password requests one address may make per 15 minutes. */
export const FORGOT_PASSWORD_BUDGET: RequestBudget = { name: "f", allowance: 10, windowSeconds: 15 * 60 };

// Throttling off (`throttle: false`, GATEHOUSE_THROTTLE=off) turns the per-address budgets off too.
const UNLIMITED: RequestLimiter = { spend: async () => {}, check: async () => {}, fail: async () => {} };

/** What `register` takes. */
export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  fullName?: string;
  /** Profile fields (see `profile` in the options), validated like any other write. */
  profile?: Record<string, unknown>;
}

/** Where an account request came from: its address (for the per-address budgets) and user agent. */
export type AccountRequestContext = TokenRequestContext;

/** Sign-up, e-mail verification, password reset and unlock links. */
export interface AccountService {
  readonly registrationOpen: boolean;
  /** True when a mailer is configured (forgot-password, verification and unlock mails). */
  readonly mailEnabled: boolean;
  /** The configured mailer, or null. */
  readonly mailer: AccountMailer | null;
  readonly requireVerifiedEmail: boolean;
  /** A new user with scope `me`; `registration_closed` unless registration is open, `user_exists` for a taken name. */
  register(input: RegisterInput, context: AccountRequestContext): Promise<UserRecord>;
  /** Takes a verification token: the user with `emailVerified` true. */
  verifyEmail(token: string, context: AccountRequestContext): Promise<UserRecord>;
  /** Mails the user a verification link (nothing when verified, without mail, or past the hourly limit). */
  sendVerification(username: string, context: AuditContext): Promise<void>;
  /** Schedules reset mail and returns at once; never says whether the account exists. */
  forgotPassword(input: ForgotPasswordInput, context: AccountRequestContext): Promise<void>;
  /** Takes a reset token: a new password, every earlier session ended. */
  resetPassword(token: string, newPassword: string, context: AccountRequestContext): Promise<void>;
  /** A reset link for an operator (CLI), without mail. */
  issueResetLink(username: string, context: AuditContext): Promise<string>;
  /** Takes an unlock token: the tokens of a new session. */
  unlock(token: string, context: AccountRequestContext): Promise<TokenResponse>;
  /** The under-attack side, wired into the password login. */
  readonly unlockLinks: UnlockLinks;
  /** Resolves when background work and queued mail are done (tests, shutdown). */
  idle(): Promise<void>;
}

/** What {@link createAccountService} needs. */
export interface AccountServiceOptions {
  settings: ResolvedAccountOptions;
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  hasher: PasswordHasher;
  users: UserService;
  throttle: LoginThrottle | null;
  /** Counters for the per-address budgets: the throttle's (shared across instances when it is); null when throttling is off. */
  counters: LoginAttemptStore | null;
  startSession(user: StoredUser, scopes: readonly string[], context: TokenRequestContext): Promise<TokenResponse>;
}

/** Creates the account service. */
export function createAccountService(options: AccountServiceOptions): AccountService {
  const { settings, store, clock, audit, hasher, users } = options;
  const mailer = settings.mailer;
  const limiter = options.counters === null ? UNLIMITED : createRequestLimiter(options.counters, clock);
  const background = createBackgroundTasks(settings.onError);
  const links = createAccountLinks({ store, clock, limiter, appUrl: settings.appUrl, audit });
  const verification = createEmailVerification({ store, clock, audit, links, mailer });
  const reset = createPasswordReset({ store, clock, audit, hasher, links, mailer, background });
  const unlockLinks = createUnlockLinks({
    store,
    clock,
    audit,
    links,
    mailer,
    background,
    throttle: options.throttle,
    startSession: options.startSession,
  });
  const auditOf = (context: AccountRequestContext): AuditContext => ({
    actor: "self",
    ip: context.clientAddress,
    ...(context.userAgent === undefined ? {} : { userAgent: context.userAgent }),
  });

  return {
    registrationOpen: settings.registrationOpen,
    mailEnabled: mailer !== null,
    mailer,
    requireVerifiedEmail: settings.requireVerifiedEmail,
    unlockLinks,

    async register(input, context) {
      if (!settings.registrationOpen) throw new GatehouseError("registration_closed", "Registration is closed");
      await limiter.spend(REGISTRATION_BUDGET, context.clientAddress);
      const user = await users.create(
        {
          username: input.username,
          email: input.email,
          password: input.password,
          ...(input.fullName === undefined ? {} : { fullName: input.fullName }),
          ...(input.profile === undefined ? {} : { profile: input.profile }),
          scopes: ["me"],
          registered: true,
        },
        auditOf(context),
      );
      // The user exists now: a failing mail step must not turn the sign-up into an error.
      await verification.send(user.username, auditOf(context)).catch(settings.onError);
      return user;
    },

    verifyEmail: (token, context) => verification.verify(token, context.clientAddress, auditOf(context)),
    sendVerification: (username, context) => verification.send(username, context),

    async forgotPassword(input, context) {
      await limiter.spend(FORGOT_PASSWORD_BUDGET, context.clientAddress);
      reset.forgot(input, auditOf(context));
    },

    resetPassword: (token, newPassword, context) =>
      reset.reset(token, newPassword, context.clientAddress, auditOf(context)),
    issueResetLink: (username, context) => reset.issueLink(username, context),
    unlock: (token, context) => unlockLinks.unlock(token, context),

    async idle() {
      await background.idle();
      await mailer?.idle();
    },
  };
}
