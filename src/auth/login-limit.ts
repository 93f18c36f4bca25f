import { RateLimiter } from "../boot/rate-limit.js";
import { SyscloneError } from "../errors/errors.js";

export interface LoginLimits {
  /** Attempts one address may make in a burst, then one every `addressRefillSeconds`. */
  readonly addressBurst: number;
  readonly addressRefillSeconds: number;
  /** Attempts at one user name, from anywhere, in a burst, then one every `userRefillSeconds`. */
  readonly userBurst: number;
  readonly userRefillSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { addressBurst: 10, addressRefillSeconds: 30, userBurst: 5, userRefillSeconds: 60 };

/**
 * Password guessing is slowed per address and per user name: each login attempt, good or bad,
 * takes a token from both buckets. An empty bucket refuses with RATE_LIMITED and the seconds to
 * wait. The clock is passed in.
 */
export class LoginLimiter {
  private readonly byAddress: RateLimiter;
  private readonly byUser: RateLimiter;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS, now: () => number = Date.now) {
    this.byAddress = new RateLimiter(1 / limits.addressRefillSeconds, limits.addressBurst, 10_000, now);
    this.byUser = new RateLimiter(1 / limits.userRefillSeconds, limits.userBurst, 10_000, now);
  }

  /** Counts an attempt; throws RATE_LIMITED (details.retryAfter: seconds) when the address or the user has had too many. */
  attempt(address: string, user: string): void {
    if (!this.byAddress.take(address)) throw limited(`too many login attempts from ${address}`, this.byAddress.retryAfter(address));
    // Only names a user could have are kept as keys: arbitrary input does not fill the table with junk.
    const key = user.slice(0, 64);
    if (!this.byUser.take(key)) throw limited("too many login attempts for this user", this.byUser.retryAfter(key));
  }
}

function limited(message: string, retryAfter: number): SyscloneError {
  return new SyscloneError("RATE_LIMITED", message, { hint: `wait ${retryAfter} s, then try again`, details: { retryAfter } });
}
