import { ConflictException, Injectable } from '@nestjs/common';
import { ADMIN_SCOPE, parseScopes, SYNC_SCOPE } from '@td-sync/auth';
import { Clock } from '@td-sync/http';
import { PROJECT_ROLES } from '@td-sync/projects';
import {
  ApiKeysRepository,
  EventStore,
  GoApiKey,
  GoDataDirectory,
  GoEvent,
  GoEventLog,
  GoMembership,
  GoProject,
  GoTime,
  GoUser,
  isProjectId,
  Membership,
  ProjectRole,
  ProjectsRepository,
  StoredEvent,
  UsersRepository,
} from '@td-sync/storage';
import { randomBytes } from 'node:crypto';
import { GoImportReport, ProjectImport } from './go-import-report';
import { goTimeToIso, goTimeToRfc3339 } from './go-time';

/** Events copied per transaction: big enough to be quick, small enough to keep each write short beside a running server. */
const EVENTS_PER_BATCH = 1000;
/** What td-sync gives keys that never expired on the Go server: its own key lifetime, from the import on. */
const KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
/** The Go admin UI's "view as" keys carry this scope; they act as their user, so they are not carried over. */
const IMPERSONATION_SCOPE = 'impersonation:read';

export interface GoImportOptions {
  /** The Go server's data directory: server.db and projects/<id>/events.db. */
  from: string;
  /** Import even though this server already has users or projects (existing ones are kept, never overwritten). */
  force: boolean;
  /** Told about each project once it is done, for progress output. */
  onProject?: (project: ProjectImport) => void;
}

/**
 * Takes over a deployment of the upstream Go td-sync: its users, API keys
 * (both servers store the SHA-256 of the key, so keys keep working),
 * projects, memberships and every event under its original server_seq, so
 * that td clients pointed at this server keep their keys and sync cursors.
 *
 * Each project is all or nothing: its events are copied first and its row
 * (with its members) written last, so no client can reach a project that is
 * half copied, and a project that fails is removed again and reported.
 */
@Injectable()
export class GoImport {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: ApiKeysRepository,
    private readonly projects: ProjectsRepository,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  async run(options: GoImportOptions): Promise<GoImportReport> {
    const source = GoDataDirectory.open(options.from);
    try {
      if (!options.force && !(await this.targetIsEmpty())) {
        throw new ConflictException('this server already has users or projects: import into an empty one, or pass --force to import beside them (nothing here is overwritten)');
      }
      const report: GoImportReport = {
        from: source.dir,
        users: { imported: 0, existing: 0, skipped: 0 },
        keys: { imported: 0, existing: 0, skipped_impersonation: 0, skipped_orphaned: 0, given_expiry: 0 },
        projects: [],
        warnings: [],
      };
      const goUsers = source.users();
      const userIds = await this.importUsers(goUsers, report);
      const admins = new Set(goUsers.filter((user) => user.is_admin).map((user) => user.id));
      await this.importKeys(source.apiKeys(), userIds, admins, report);
      const membershipsOf = groupBy(source.memberships(), (membership) => membership.project_id);
      for (const project of source.projects()) {
        const outcome = await this.importProject(source, project, membershipsOf.get(project.id) ?? [], userIds, report);
        report.projects.push(outcome);
        options.onProject?.(outcome);
      }
      return report;
    } finally {
      source.close();
    }
  }

  private async targetIsEmpty(): Promise<boolean> {
    const [users, projects] = await Promise.all([
      this.users.list({ now: this.now(), limit: 1 }),
      this.projects.listAll({ includeDeleted: true, limit: 1 }),
    ]);
    return users.length === 0 && projects.length === 0;
  }

  /** Go user id → the id of the same account here (an address already here keeps its account). */
  private async importUsers(goUsers: GoUser[], report: GoImportReport): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const goUser of goUsers) {
      const email = goUser.email.trim().toLowerCase();
      const createdAt = this.time(goUser.created_at, `user ${goUser.id}: created_at`, report);
      if (await this.users.insertIfAbsent({ id: goUser.id, email, created_at: createdAt, disabled_at: null })) {
        ids.set(goUser.id, goUser.id);
        report.users.imported++;
        continue;
      }
      const existing = await this.users.findByEmail(email);
      if (existing) {
        ids.set(goUser.id, existing.id);
        report.users.existing++;
      } else {
        report.users.skipped++;
        report.warnings.push(`user ${goUser.id} (${email}) not imported: another account here has that id`);
      }
    }
    return ids;
  }

  private async importKeys(goKeys: GoApiKey[], userIds: Map<string, string>, admins: Set<string>, report: GoImportReport): Promise<void> {
    for (const goKey of goKeys) {
      const goScopes = parseScopes(goKey.scopes);
      const userId = userIds.get(goKey.user_id);
      if (goScopes.includes(IMPERSONATION_SCOPE)) {
        report.keys.skipped_impersonation++;
      } else if (userId === undefined) {
        report.keys.skipped_orphaned++;
      } else if (await this.keys.findByHash(goKey.key_hash)) {
        report.keys.existing++;
      } else {
        let expiresAt = goKey.expires_at === null ? undefined : this.time(goKey.expires_at, `key ${goKey.id}: expires_at`, report);
        if (expiresAt === undefined) {
          expiresAt = new Date(this.clock.now().getTime() + KEY_LIFETIME_MS).toISOString();
          report.keys.given_expiry++;
        }
        // Go's admin keys open its admin API; here that is the one `admin` scope, for admins only, as there.
        const admin = admins.has(goKey.user_id) && goScopes.some((scope) => scope.startsWith('admin:'));
        await this.keys.insert({
          id: (await this.keys.findById(goKey.id)) ? `k_${randomBytes(8).toString('hex')}` : goKey.id,
          user_id: userId,
          key_hash: goKey.key_hash.toLowerCase(),
          key_prefix: goKey.key_prefix,
          name: goKey.name || 'device-auth',
          scopes: (admin ? [SYNC_SCOPE, ADMIN_SCOPE] : [SYNC_SCOPE]).join(','),
          expires_at: expiresAt,
          last_used_at: goKey.last_used_at === null ? null : (goTimeToIso(goKey.last_used_at) ?? null),
          revoked_at: null,
          created_at: this.time(goKey.created_at, `key ${goKey.id}: created_at`, report),
        });
        report.keys.imported++;
      }
    }
  }

  private async importProject(
    source: GoDataDirectory,
    goProject: GoProject,
    goMemberships: GoMembership[],
    userIds: Map<string, string>,
    report: GoImportReport,
  ): Promise<ProjectImport> {
    const outcome: ProjectImport = {
      id: goProject.id,
      name: goProject.name,
      status: 'skipped',
      deleted: goProject.deleted_at !== null,
      members: 0,
      events: 0,
      last_server_seq: 0,
    };
    if (!isProjectId(goProject.id)) return { ...outcome, reason: 'its id is not p_ followed by 16 hex digits' };
    if (await this.projects.idInUse(goProject.id)) return { ...outcome, reason: 'a project with this id already exists here' };

    const memberships = this.memberships(goProject, goMemberships, userIds, report);
    let log: GoEventLog | undefined;
    try {
      log = source.openEventLog(goProject.id);
      if (!log) report.warnings.push(`project ${goProject.id} has no events.db on the Go server: imported with no events`);
      while (log) {
        const page = log.page(outcome.last_server_seq, EVENTS_PER_BATCH);
        if (page.length === 0) break;
        await this.events.importEvents(goProject.id, page.map((event) => this.storedEvent(event)));
        outcome.events += page.length;
        outcome.last_server_seq = Number(page[page.length - 1].server_seq);
      }
      await this.projects.insertWithMembers(
        {
          id: goProject.id,
          name: goProject.name,
          description: goProject.description,
          created_at: this.time(goProject.created_at, `project ${goProject.id}: created_at`, report),
          updated_at: this.time(goProject.updated_at, `project ${goProject.id}: updated_at`, report),
          deleted_at: goProject.deleted_at === null ? null : this.time(goProject.deleted_at, `project ${goProject.id}: deleted_at`, report),
        },
        memberships,
      );
    } catch (error) {
      await this.events.removeLog(goProject.id).catch(() => undefined);
      return { ...outcome, status: 'failed', reason: (error as Error).message, events: 0, last_server_seq: 0 };
    } finally {
      log?.close();
    }
    if (!memberships.some((m) => m.role === 'owner') && goProject.deleted_at === null) {
      report.warnings.push(`project ${goProject.id} (${goProject.name}) has no owner: give it one with \`td-sync members add ${goProject.id} <email> owner\``);
    }
    return { ...outcome, status: 'imported', members: memberships.length };
  }

  private memberships(goProject: GoProject, goMemberships: GoMembership[], userIds: Map<string, string>, report: GoImportReport): Membership[] {
    const memberships: Membership[] = [];
    for (const goMembership of goMemberships) {
      const userId = userIds.get(goMembership.user_id);
      if (userId === undefined || !(PROJECT_ROLES as readonly string[]).includes(goMembership.role)) {
        report.warnings.push(`project ${goProject.id}: member ${goMembership.user_id} (${goMembership.role}) not imported: ${userId === undefined ? 'no such user' : 'unknown role'}`);
        continue;
      }
      memberships.push({
        project_id: goProject.id,
        user_id: userId,
        role: goMembership.role as ProjectRole,
        invited_by: goMembership.invited_by === '' ? null : (userIds.get(goMembership.invited_by) ?? goMembership.invited_by),
        created_at: this.time(goMembership.created_at, `project ${goProject.id}: member ${goMembership.user_id}: created_at`, report),
      });
    }
    return memberships;
  }

  /** The event as stored here: payload bytes and seq untouched, times in RFC 3339 UTC. */
  private storedEvent(event: GoEvent): StoredEvent {
    const at = `event ${event.server_seq}`;
    const payload = event.payload.toString('utf8');
    if (!Buffer.from(payload, 'utf8').equals(event.payload)) throw new Error(`${at}: payload is not valid UTF-8`);
    try {
      JSON.parse(payload);
    } catch {
      throw new Error(`${at}: payload is not JSON`);
    }
    const clientTimestamp = goTimeToRfc3339(event.client_timestamp);
    if (clientTimestamp === undefined) throw new Error(`${at}: client_timestamp ${JSON.stringify(event.client_timestamp)} is not a time`);
    const serverTimestamp = goTimeToIso(event.server_timestamp);
    if (serverTimestamp === undefined) throw new Error(`${at}: server_timestamp ${JSON.stringify(event.server_timestamp)} is not a time`);
    return {
      serverSeq: event.server_seq,
      deviceId: event.device_id,
      sessionId: event.session_id,
      clientActionId: event.client_action_id,
      actionType: event.action_type,
      entityType: event.entity_type,
      entityId: event.entity_id,
      payload,
      clientTimestamp,
      serverTimestamp,
    };
  }

  /** A server-database time as td-sync stores its own; the import's own time (with a warning) when it cannot be read. */
  private time(value: GoTime, what: string, report: GoImportReport): string {
    const iso = goTimeToIso(value);
    if (iso !== undefined) return iso;
    report.warnings.push(`${what} ${JSON.stringify(value)} is not a time: the import's time is used`);
    return this.now();
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
