import { BadRequestException, ExecutionContext, ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { MembershipsRepository, ProjectRole, StorageModule, StorageOptionsModule, User, UsersRepository } from '@td-sync/storage';
import type { FastifyRequest } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectAccess } from './project-access';
import { ProjectRoleGuard } from './project-role.guard';
import { ProjectsService } from './projects.service';
import { RequireRole } from './require-role.decorator';

/** Routes as another feature module declares them, e.g. libs/sync on /v1/projects/:id/sync/*. */
class SyncLikeRoutes {
  @RequireRole('reader') pull(): void {}
  @RequireRole('writer') push(): void {}
  @RequireRole('owner') manage(): void {}
  undeclared(): void {}
}

type Handler = keyof SyncLikeRoutes;

/** A route without an `:id` parameter at all. */
const NO_ID = Symbol('no id');

describe('ProjectRoleGuard (real server database)', () => {
  let dir: string;
  let moduleRef: TestingModule;
  let guard: ProjectRoleGuard;
  let projects: ProjectsService;
  let users: Record<ProjectRole | 'stranger', User>;
  let projectId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-guard-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        StorageOptionsModule.forRoot({ serverDbPath: join(dir, 'server.db'), projectDataDir: join(dir, 'projects'), maxOpenProjects: 4 }),
        StorageModule,
      ],
      providers: [ProjectAccess, ProjectRoleGuard, ProjectsService],
    }).compile();
    guard = moduleRef.get(ProjectRoleGuard);
    projects = moduleRef.get(ProjectsService);

    const repo = moduleRef.get(UsersRepository);
    const make = (name: string) => repo.findOrCreate({ id: `u_${name.padEnd(16, '0')}`.slice(0, 18), email: `${name}@example.com`, created_at: new Date().toISOString() });
    users = { owner: await make('aaaa'), writer: await make('bbbb'), reader: await make('cccc'), stranger: await make('dddd') };
    projectId = (await projects.create(users.owner.id, { name: 'guarded', description: '' })).id;
    const memberships = moduleRef.get(MembershipsRepository);
    for (const role of ['writer', 'reader'] as const) {
      expect(await memberships.add(projectId, users[role].id, role, users.owner.id)).toMatchObject({ kind: 'added' });
    }
  });

  afterAll(async () => {
    await moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function request(user: User | undefined, id: unknown = projectId): FastifyRequest {
    return { params: id === NO_ID ? {} : { id }, user: user && { id: user.id, email: user.email, apiKeyId: 'k_test' } } as unknown as FastifyRequest;
  }

  function run(handler: Handler, req: FastifyRequest): Promise<boolean> {
    const context = {
      getHandler: () => SyncLikeRoutes.prototype[handler],
      getClass: () => SyncLikeRoutes,
      switchToHttp: () => ({ getRequest: () => req }),
    } as unknown as ExecutionContext;
    return guard.canActivate(context);
  }

  async function refusal(handler: Handler, req: FastifyRequest): Promise<HttpException> {
    try {
      await run(handler, req);
    } catch (error) {
      if (error instanceof HttpException) return error;
      throw error;
    }
    throw new Error('the guard let the request through');
  }

  const table: Array<[Handler, ProjectRole, Record<ProjectRole | 'stranger', boolean>]> = [
    ['pull', 'reader', { owner: true, writer: true, reader: true, stranger: false }],
    ['push', 'writer', { owner: true, writer: true, reader: false, stranger: false }],
    ['manage', 'owner', { owner: true, writer: false, reader: false, stranger: false }],
  ];

  for (const [handler, needed, allowed] of table) {
    for (const who of ['owner', 'writer', 'reader', 'stranger'] as const) {
      it(`${allowed[who] ? 'lets' : 'refuses'} a ${who} ${allowed[who] ? 'through to' : 'on'} ${handler}`, async () => {
        const req = request(users[who]);
        if (allowed[who]) {
          expect(await run(handler, req)).toBe(true);
        } else {
          const error = await refusal(handler, req);
          expect(error).toBeInstanceOf(ForbiddenException);
          expect(error.message).toMatch(new RegExp(`^requires ${needed} role`));
        }
      });
    }
  }

  it('says a stranger is not a member, and a member which role they hold', async () => {
    expect((await refusal('pull', request(users.stranger))).message).toBe('requires reader role: you are not a member of this project');
    expect((await refusal('manage', request(users.writer))).message).toBe('requires owner role (you are writer)');
  });

  it('answers 404 for malformed and unknown project ids, before looking at the caller', async () => {
    for (const id of [NO_ID, null, '', 'nope', 'p_XYZ', '../etc', `${projectId}x`, 'p_0000000000000000']) {
      expect(await refusal('pull', request(users.owner, id))).toBeInstanceOf(NotFoundException);
    }
    expect(await refusal('pull', request(users.stranger, 'p_0000000000000000'))).toBeInstanceOf(NotFoundException);
  });

  it('refuses a request without a caller as a non-member', async () => {
    expect(await refusal('pull', request(undefined))).toBeInstanceOf(ForbiddenException);
  });

  it('fails closed on a route that declares no role', () => {
    expect(() => run('undeclared', request(users.owner))).toThrow(/without @RequireRole/);
  });

  it('answers 404 to everyone, owner included, once the project is soft-deleted', async () => {
    const doomed = (await projects.create(users.owner.id, { name: 'doomed', description: '' })).id;
    expect(await run('manage', request(users.owner, doomed))).toBe(true);
    await projects.softDelete(doomed);
    expect(await refusal('pull', request(users.owner, doomed))).toBeInstanceOf(NotFoundException);
    expect(await refusal('pull', request(users.stranger, doomed))).toBeInstanceOf(NotFoundException);
  });

  describe('ProjectAccess.parseFor (routes whose storage decides, with no guard)', () => {
    const malformed = new BadRequestException('request body is not valid JSON');
    const refuseInput = (): never => {
      throw malformed;
    };
    let access: ProjectAccess;
    beforeAll(() => {
      access = moduleRef.get(ProjectAccess);
    });

    async function outcome(promise: Promise<unknown>): Promise<string> {
      try {
        return `parsed ${JSON.stringify(await promise)}`;
      } catch (error) {
        if (error instanceof HttpException) return `${error.getStatus()} ${error.message}`;
        throw error;
      }
    }

    it('hands back the parsed input for any caller: the storage call is the one decision', async () => {
      for (const who of ['owner', 'writer', 'reader', 'stranger'] as const) {
        expect(await outcome(access.parseFor(projectId, users[who].id, 'writer', () => ({ events: 1 })))).toBe('parsed {"events":1}');
      }
    });

    it("answers a caller's malformed input with 400 only if they may use the route, else with the 403 first", async () => {
      expect(await outcome(access.parseFor(projectId, users.writer.id, 'writer', refuseInput))).toBe('400 request body is not valid JSON');
      expect(await outcome(access.parseFor(projectId, users.reader.id, 'writer', refuseInput))).toBe('403 requires writer role (you are reader)');
      expect(await outcome(access.parseFor(projectId, users.stranger.id, 'writer', refuseInput))).toBe('403 requires writer role: you are not a member of this project');
      expect(await outcome(access.parseFor(projectId, undefined, 'writer', refuseInput))).toBe('403 requires writer role: you are not a member of this project');
    });

    it('answers 404 for an id no project can have at once, and for an unknown one before a 400', async () => {
      for (const id of [undefined, '', 'nope', '../etc', `${projectId}x`]) {
        expect(await outcome(access.parseFor(id, users.owner.id, 'writer', () => 'never parsed'))).toBe('404 project not found');
      }
      expect(await outcome(access.parseFor('p_0000000000000000', users.owner.id, 'writer', refuseInput))).toBe('404 project not found');
    });

    it('hands a route with no other input its project id, and answers an id no project can have 404 at once', () => {
      expect(access.projectIdOf(projectId)).toBe(projectId);
      expect(access.projectIdOf('p_0000000000000000')).toBe('p_0000000000000000');
      for (const id of [undefined, '', 'nope', '../etc', `${projectId}x`, ['p_0000000000000000']]) {
        expect(() => access.projectIdOf(id)).toThrow(new NotFoundException('project not found'));
      }
    });
  });
});
