import { BadRequestException, Controller, Get, Header, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '@td-sync/auth';
import {
  ANSWERS_WITH_FRESH_BUFFERS,
  API_TAGS,
  ApiBearerKey,
  ApiErrors,
  COMPRESSED_AT_ANY_SIZE,
  RateLimit,
  READS_OWN_JSON_BODY,
  type AuthenticatedUser,
} from '@td-sync/http';
import { ProjectAccess, RequireRole, RequireRoleInStorage } from '@td-sync/projects';
import type { FastifyRequest } from 'fastify';
import { PullResponseDto } from './dto/pull-response.dto';
import { PushRequestDto } from './dto/push-request.dto';
import { PushResponseDto } from './dto/push-response.dto';
import { SyncStatusResponseDto } from './dto/sync-status-response.dto';
import { DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, parsePullQuery, PullQuery } from './pull-query';
import { LargePushGate } from './large-push-gate';
import { MAX_PUSH_EVENTS } from './push-body-layout';
import { PushRequestParser } from './push-request-parser';
import { SyncCounters } from './sync-counters';
import { SyncService, SyncStatus } from './sync.service';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * PROTOCOL.md, Sync. The edge of replication: the request is validated here
 * into typed input (a push body into a PushBatch, read from the body's bytes
 * so payloads keep their spelling, a large one's scan on the scan thread: see
 * PushRequestParser; the pull query into a page request), and
 * the service gets nothing else. Validating by hand rather than with DTOs
 * gives PROTOCOL.md's exact rules and messages at a 1000-event push's speed.
 * Push and pull answer with JSON the service has already written as bytes,
 * so the content type is set here and Fastify sends it as it is (gzipped,
 * for a client that accepts it: every pull, a push answer past a few KB).
 *
 * A large push waits for its turn (LargePushGate) once its body is read, so
 * that only a few 1000-event batches are in memory as objects at once.
 *
 * Push, pull and status have no early check (@RequireRoleInStorage): the
 * service's storage call is the one decision, atomically with the work, so a
 * valid request reads the caller's role once. ProjectAccess.parseFor answers
 * a stranger's malformed body or query with 404/403 rather than 400, as a
 * guard would; snapshot, which reads nothing, keeps its guard (@RequireRole).
 */
@ApiTags(API_TAGS.sync.name)
@ApiBearerKey()
@Controller('v1/projects/:id/sync')
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly counters: SyncCounters,
    private readonly access: ProjectAccess,
    private readonly pushes: PushRequestParser,
    private readonly largePushes: LargePushGate,
  ) {}

  @Post('push')
  @RouteConfig({ [READS_OWN_JSON_BODY]: true, [ANSWERS_WITH_FRESH_BUFFERS]: true })
  @RequireRoleInStorage('writer')
  @RateLimit('push')
  @HttpCode(200)
  @Header('content-type', JSON_TYPE)
  @ApiOperation({
    summary: 'Push events (writer+)',
    description: `Appends up to ${MAX_PUSH_EVENTS} events in one transaction. An event already stored under its (device_id, session_id, client_action_id) is rejected as a duplicate with its original server_seq, so a client can safely resend a batch whose answer it did not see.`,
  })
  @ApiBody({ type: PushRequestDto })
  @ApiOkResponse({ type: PushResponseDto })
  @ApiErrors({ bad_request: 'bad JSON, an empty device_id or session_id, no events or too many, an unknown entity_type or action_type, a bad client_timestamp, a payload that is not an object, or a client_action_id that is not an integer' })
  async push(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<Buffer> {
    return this.largePushes.run(request.body, async () => {
      const batch = await this.access.parseFor(projectId, user.id, 'writer', () => this.pushes.parse(request));
      return this.sync.push(projectId, user.id, batch);
    });
  }

  @Get('pull')
  @RouteConfig({ [COMPRESSED_AT_ANY_SIZE]: true, [ANSWERS_WITH_FRESH_BUFFERS]: true })
  @RequireRoleInStorage('reader')
  @RateLimit('pull')
  @Header('content-type', JSON_TYPE)
  @ApiOperation({ summary: 'Pull events (reader+)', description: 'Events after after_server_seq, in ascending server_seq.' })
  // Listed last to first: decorators apply bottom-up.
  @ApiQuery({ name: 'exclude_client', required: false, schema: { type: 'string' }, description: "A device_id whose events are left out (the caller's own)." })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Events per page; above ${MAX_PULL_LIMIT} counts as ${MAX_PULL_LIMIT}.`,
    schema: { type: 'integer', minimum: 1, default: DEFAULT_PULL_LIMIT },
  })
  @ApiQuery({ name: 'after_server_seq', required: false, schema: { type: 'integer', format: 'int64', minimum: 0, default: 0 } })
  @ApiOkResponse({ type: PullResponseDto })
  @ApiErrors({ bad_request: 'after_server_seq or limit is not an integer, after_server_seq is negative, or limit is below 1' })
  async pull(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<Buffer> {
    let query: PullQuery;
    try {
      query = await this.access.parseFor(projectId, user.id, 'reader', () => parsePullQuery(request.query));
    } catch (refusal) {
      // Every pull the access rule admits counts, a malformed query included
      // (a valid one is counted by the service, where storage admits it).
      // parseFor answers 404/403 before a 400: a 400 here was a reader's.
      if (refusal instanceof BadRequestException) this.counters.pullRequests++;
      throw refusal;
    }
    return this.sync.pull(projectId, user.id, query);
  }

  @Get('status')
  @RequireRoleInStorage('reader')
  @ApiOperation({ summary: "The project log's status (reader+)" })
  @ApiOkResponse({ type: SyncStatusResponseDto })
  status(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser): Promise<SyncStatus> {
    return this.sync.status(this.access.projectIdOf(projectId), user.id);
  }

  /** Clients ask before their first pull; a 404 tells them to pull from seq 0 instead. */
  @Get('snapshot')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Snapshot (not offered) (reader+)',
    description: 'Clients ask before their first pull of a project; this server always answers 404, and they pull from server_seq 0 instead.',
  })
  @ApiErrors({ not_found: 'always: snapshots are not offered, pull from server_seq 0' })
  snapshot(): never {
    throw new NotFoundException('snapshots are not available on this server: pull from server_seq 0');
  }
}
