/** Which mail transport delivers approval links: the server log (one operator's own machine) or SMTP. */
export type EmailProviderName = 'log' | 'smtp';

export interface EmailSettings {
  provider: EmailProviderName;
  /** `smtp://user:pass@host:587` or `smtps://…`; required when the provider is smtp. */
  smtpUrl?: string;
  /** The From header, e.g. `td-sync <noreply@example.com>`. */
  from: string;
}

/**
 * How a code typed on /auth/verify (the login of td releases before the email
 * flow) is treated: `confirm` emails a link to the address the login was
 * started for and only its approval completes the login; `direct` lets the
 * code alone complete it (the code proves nothing about the address); `off`
 * answers every typed-code route 410 endpoint_disabled.
 */
export type CodeLoginMode = 'confirm' | 'direct' | 'off';

/**
 * What the auth module needs from the deployment, supplied by the app from its
 * configuration (libs never read the environment or import from apps/).
 */
export interface AuthOptions {
  /** Whether a first login creates an account; when off only existing users can log in. */
  allowSignup: boolean;
  /** Public URL of this server (no trailing slash); login links and the verification URI start with it. */
  baseUrl: string;
  email: EmailSettings;
  codeLogin: CodeLoginMode;
}

/**
 * The injection token of AuthOptions. The app's configuration module (the one
 * global module) provides it to everyone, passed through checkAuthOptions.
 */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** Normalises the options once, and refuses combinations that could only fail later, at the first login. */
export function checkAuthOptions(options: AuthOptions): AuthOptions {
  if (options.email.provider === 'smtp' && !options.email.smtpUrl) {
    throw new Error('email provider "smtp" needs an SMTP URL (smtp://user:pass@host:587)');
  }
  return { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
}
