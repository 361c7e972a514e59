import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  /** `u_` + 16 hex. */
  @PrimaryColumn('text')
  id!: string;

  /** Trimmed and lower-cased, so one address is one account however it is typed. */
  @Column('text', { unique: true })
  email!: string;

  @Column('text')
  created_at!: string;
}
