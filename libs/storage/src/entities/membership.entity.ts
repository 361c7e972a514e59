import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type ProjectRole = 'owner' | 'writer' | 'reader';

@Entity({ name: 'memberships' })
@Index(['user_id'])
export class Membership {
  @PrimaryColumn('text')
  project_id!: string;

  @PrimaryColumn('text')
  user_id!: string;

  @Column('text')
  role!: ProjectRole;

  @Column('text', { nullable: true })
  invited_by!: string | null;

  @Column('text')
  created_at!: string;
}
