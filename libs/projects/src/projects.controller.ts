import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '@td-sync/auth';
import { API_TAGS, ApiBearerKey, ApiErrors, RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { CreateProjectDto } from './dto/create-project.dto';
import { ProjectResponseDto } from './dto/project-response.dto';
import { UpdateProjectDto } from './dto/update-project.dto';
import { ProjectView } from './project-view';
import { ProjectsService } from './projects.service';
import { RequireRole } from './require-role.decorator';

/** PROTOCOL.md, Projects. Roles are checked by @RequireRole() (ProjectAccess) alone. */
@RateLimit('other')
@ApiTags(API_TAGS.projects.name)
@ApiBearerKey()
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a project', description: 'The caller becomes its owner.' })
  @ApiCreatedResponse({ type: ProjectResponseDto })
  @ApiErrors('bad_request')
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateProjectDto): Promise<ProjectView> {
    return this.projects.create(user.id, { name: body.name, description: body.description ?? '' });
  }

  @Get()
  @ApiOperation({ summary: "The caller's projects", description: 'Live projects the caller is a member of, oldest first.' })
  @ApiOkResponse({ type: ProjectResponseDto, isArray: true })
  list(@CurrentUser() user: AuthenticatedUser): Promise<ProjectView[]> {
    return this.projects.listFor(user.id);
  }

  @Get(':id')
  @RequireRole('reader')
  @ApiOperation({ summary: 'A project (reader+)' })
  @ApiOkResponse({ type: ProjectResponseDto })
  get(@Param('id') id: string): Promise<ProjectView> {
    return this.projects.get(id);
  }

  @Patch(':id')
  @RequireRole('writer')
  @ApiOperation({ summary: 'Rename or describe a project (writer+)', description: 'Absent or null fields stay as they are.' })
  @ApiOkResponse({ type: ProjectResponseDto })
  @ApiErrors('bad_request')
  update(@Param('id') id: string, @Body() body: UpdateProjectDto): Promise<ProjectView> {
    return this.projects.update(id, { name: body.name ?? undefined, description: body.description ?? undefined });
  }

  @Delete(':id')
  @RequireRole('owner')
  @ApiOperation({ summary: 'Delete a project (owner)', description: 'A soft delete: afterwards every route of the project answers 404.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') id: string): Promise<void> {
    return this.projects.softDelete(id);
  }
}
