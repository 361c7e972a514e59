import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'api_keys' })
export class ApiKey {
  /** `k_` + 16 hex; the rate limiter keys on it, so the secret never has to. */
  @PrimaryColumn('text')
  id!: string;

  @Index()
  @Column('text')
  user_id!: string;

  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  @Column('text', { unique: true })
  key_hash!: string;

  /** First 8 characters of the secret part, to tell keys apart in listings. */
  @Column('text')
  key_prefix!: string;

  @Column('text')
  name!: string;

  /** Comma-separated scopes, e.g. `sync`. */
  @Column('text')
  scopes!: string;

  @Column('text')
  expires_at!: string;

  @Column('text', { nullable: true })
  last_used_at!: string | null;

  @Column('text', { nullable: true })
  revoked_at!: string | null;

  @Column('text')
  created_at!: string;
}
