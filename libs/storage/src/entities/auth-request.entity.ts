import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Which device login flow a request belongs to (PROTOCOL.md: Device login, Email-approved device login). */
export type AuthFlow = 'user_code' | 'email_link';
export type AuthRequestStatus = 'pending' | 'verified' | 'used';

/**
 * One device login in progress, for either flow. Secrets are stored only as
 * SHA-256 hashes: the device code the CLI polls with, and for the email flow
 * the secret half of the approval link.
 */
@Entity({ name: 'auth_requests' })
export class AuthRequest {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  flow!: AuthFlow;

  @Index()
  @Column('text')
  email!: string;

  @Column('text', { unique: true })
  device_code_hash!: string;

  /** Typed-code flow: the 6-character code the person types, normalised to upper case. */
  @Index()
  @Column('text', { nullable: true })
  user_code!: string | null;

  /** Email flow: the public half of the approval link token. */
  @Column('text', { nullable: true, unique: true })
  link_selector!: string | null;

  @Column('text', { nullable: true })
  link_secret_hash!: string | null;

  /** Email flow: base64url(SHA-256(verifier)), as the client sent it. */
  @Column('text', { nullable: true })
  code_challenge!: string | null;

  @Column('text', { nullable: true })
  device_name!: string | null;

  /** Email flow: whether an approval email went out for this request. */
  @Column('boolean', { default: false })
  email_sent!: boolean;

  @Column('text')
  status!: AuthRequestStatus;

  @Column('text', { nullable: true })
  user_id!: string | null;

  @Index()
  @Column('text')
  expires_at!: string;

  @Column('text', { nullable: true })
  verified_at!: string | null;

  @Column('text')
  created_at!: string;
}
