import { Controller, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from '../public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { routePolicyOf } from './route-policy';

@Controller('things')
class AuthenticatedController {
  @Get()
  list(): void {}

  @Post()
  @RateLimit('push')
  push(): void {}
}

@Public()
@RateLimit('auth')
@Controller('login')
class LoginController {
  @Post()
  start(): void {}

  @Post('poll')
  @RateLimit('authPoll')
  poll(): void {}
}

@Public()
@Controller()
class HealthController {
  @Get('healthz')
  healthz(): void {}
}

describe('routePolicyOf', () => {
  const reflector = new Reflector();
  const policy = <T>(controller: new () => T, method: keyof T) =>
    routePolicyOf(reflector, controller.prototype[method] as () => unknown, controller);

  it('needs a key unless @Public(), and draws authenticated routes from `other` unless they name a tier', () => {
    expect(policy(AuthenticatedController, 'list')).toEqual({ authenticated: true, tier: 'other', keyedByAddress: false });
    expect(policy(AuthenticatedController, 'push')).toEqual({ authenticated: true, tier: 'push', keyedByAddress: false });
  });

  it('counts the public login tiers per client address, the method overriding its controller', () => {
    expect(policy(LoginController, 'start')).toEqual({ authenticated: false, tier: 'auth', keyedByAddress: true });
    expect(policy(LoginController, 'poll')).toEqual({ authenticated: false, tier: 'authPoll', keyedByAddress: true });
  });

  it('never limits a public route without a tier', () => {
    expect(policy(HealthController, 'healthz')).toEqual({ authenticated: false, tier: undefined, keyedByAddress: false });
  });
});
