import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'projects' })
export class Project {
  /** `p_` + 16 hex; also the name of the project's data directory. */
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('text')
  created_at!: string;

  @Column('text')
  updated_at!: string;

  /** Soft delete: set once, and from then on the project answers 404 everywhere. */
  @Column('text', { nullable: true })
  deleted_at!: string | null;
}
