import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser } from '@td-sync/auth';
import { RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { CreateProjectDto } from './dto/create-project.dto';
import { UpdateProjectDto } from './dto/update-project.dto';
import { ProjectView } from './project-view';
import { ProjectsService } from './projects.service';
import { RequireRole } from './require-role.decorator';

/** PROTOCOL.md, Projects. Roles are checked by @RequireRole() (ProjectAccess) alone. */
@RateLimit('other')
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateProjectDto): Promise<ProjectView> {
    return this.projects.create(user.id, { name: body.name, description: body.description ?? '' });
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser): Promise<ProjectView[]> {
    return this.projects.listFor(user.id);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@Param('id') id: string): Promise<ProjectView> {
    return this.projects.get(id);
  }

  @Patch(':id')
  @RequireRole('writer')
  update(@Param('id') id: string, @Body() body: UpdateProjectDto): Promise<ProjectView> {
    return this.projects.update(id, { name: body.name ?? undefined, description: body.description ?? undefined });
  }

  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') id: string): Promise<void> {
    return this.projects.softDelete(id);
  }
}
