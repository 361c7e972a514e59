import { Controller, Get, Header, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { RateLimit } from '@td-sync/auth';
import { RequireRole } from '@td-sync/projects';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { CHECKS_OWN_JSON_SHAPE } from './json-shape-route';
import { RequireRoleOnEvents } from './open-project-database.guard';
import { SyncService, SyncStatus } from './sync.service';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * PROTOCOL.md, Sync. Push and pull answer with JSON text the service has
 * already written (payloads spliced in verbatim), so the content type is set
 * here and Fastify sends the string as it is. The request is read directly
 * rather than through DTOs: push needs the raw body text, and validating by
 * hand gives PROTOCOL.md's exact rules and messages at a 1000-event push's
 * speed.
 */
@Controller('v1/projects/:id/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post('push')
  @RouteConfig({ [CHECKS_OWN_JSON_SHAPE]: true })
  @RequireRoleOnEvents('writer')
  @RateLimit('push')
  @HttpCode(200)
  @Header('content-type', JSON_TYPE)
  push(@Param('id') projectId: string, @Req() request: FastifyRequest): Promise<string> {
    return this.sync.push(projectId, request.body, request.rawBody);
  }

  @Get('pull')
  @RequireRoleOnEvents('reader')
  @RateLimit('pull')
  @Header('content-type', JSON_TYPE)
  pull(@Param('id') projectId: string, @Req() request: FastifyRequest): Promise<string> {
    return this.sync.pull(projectId, request.query);
  }

  @Get('status')
  @RequireRoleOnEvents('reader')
  status(@Param('id') projectId: string): Promise<SyncStatus> {
    return this.sync.status(projectId);
  }

  /** Clients ask before their first pull; a 404 tells them to pull from seq 0 instead. */
  @Get('snapshot')
  @RequireRole('reader')
  snapshot(): never {
    throw new NotFoundException('snapshots are not available on this server: pull from server_seq 0');
  }
}
