import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'td-sync:public';

/** Marks a route (or controller) that needs no Bearer key: health, metrics and the login flows. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
