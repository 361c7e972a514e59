/** Which device login flow a request belongs to (PROTOCOL.md: Device login, Email-approved device login). */
export type AuthFlow = 'user_code' | 'email_link';
export type AuthRequestStatus = 'pending' | 'verified' | 'used';

/**
 * One device login in progress, for either flow. Secrets are stored only as
 * SHA-256 hashes: the device code the CLI polls with, and for the email flow
 * the secret half of the approval link.
 */
export interface AuthRequest {
  id: string;
  flow: AuthFlow;
  email: string;
  device_code_hash: string;
  /** Typed-code flow: the 6-character code the person types, normalised to upper case. */
  user_code: string | null;
  /** Email flow: the public half of the approval link token. */
  link_selector: string | null;
  link_secret_hash: string | null;
  /** Email flow: base64url(SHA-256(verifier)), as the client sent it. */
  code_challenge: string | null;
  device_name: string | null;
  /** Email flow: whether an approval email went out for this request. */
  email_sent: boolean;
  status: AuthRequestStatus;
  user_id: string | null;
  expires_at: string;
  verified_at: string | null;
  created_at: string;
}
