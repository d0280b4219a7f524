// The [auth] settings of supabase/config.toml, as the local Auth API applies them (the same names GoTrue's
// environment gets from `supabase start`). Overrides (tests) merge over them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { root } from '../database.mjs';

// What `password_requirements` means, as the Supabase CLI passes it to GoTrue: character sets separated by ':'.
const requiredCharacters = {
  '': [],
  letters_digits: ['abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'],
  lower_upper_letters_digits: ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'],
  lower_upper_letters_digits_symbols: ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789',
    '!@#$%^&*()_+-=[]{};\'\\:"|<>?,./`~'],
};

/** "1s", "5m", "24h" (Go durations, as config.toml writes them) in seconds. */
function seconds(duration, fallback) {
  if (duration === undefined || duration === '') return fallback;
  if (typeof duration === 'number') return duration;
  let total = 0;
  for (const [, amount, unit] of String(duration).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit];
  }
  return total;
}

export function authConfig(overrides = {}) {
  const config = parse(readFileSync(join(root, 'supabase', 'config.toml'), 'utf8'));
  const auth = config.auth ?? {};
  const email = auth.email ?? {};
  const rate = auth.rate_limit ?? {};
  const totp = auth.mfa?.totp ?? {};
  const requirements = auth.password_requirements ?? '';
  if (!(requirements in requiredCharacters)) throw new Error(`supabase/config.toml: unknown auth.password_requirements "${requirements}"`);
  return {
    siteUrl: auth.site_url ?? 'http://127.0.0.1:3000',
    redirectUrls: auth.additional_redirect_urls ?? [],
    jwtExpiry: auth.jwt_expiry ?? 3600,
    enableSignup: auth.enable_signup ?? true,
    refreshTokenRotation: auth.enable_refresh_token_rotation ?? true,
    refreshTokenReuseInterval: auth.refresh_token_reuse_interval ?? 10,
    minimumPasswordLength: auth.minimum_password_length ?? 6,
    requiredCharacters: requiredCharacters[requirements],
    emailEnabled: email.enable_signup ?? email.enabled ?? true,
    autoconfirm: !(email.enable_confirmations ?? false),
    doubleConfirmChanges: email.double_confirm_changes ?? true,
    securePasswordChange: email.secure_password_change ?? false,
    maxFrequency: seconds(email.max_frequency, 60),
    otpLength: email.otp_length ?? 6,
    otpExpiry: email.otp_expiry ?? 3600,
    // Per IP: sign-ups and password sign-ins per 5 minutes, token refreshes per 5 minutes, verifications per 5 minutes.
    rateLimits: {
      signInSignUps: rate.sign_in_sign_ups ?? 30,
      tokenRefresh: rate.token_refresh ?? 150,
      tokenVerifications: rate.token_verifications ?? 30,
    },
    mfa: {
      maxEnrolledFactors: auth.mfa?.max_enrolled_factors ?? 10,
      totpEnroll: totp.enroll_enabled ?? false,
      totpVerify: totp.verify_enabled ?? false,
    },
    ...overrides,
  };
}
