import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PersonalDataProtector } from '../privacy/personal-data';
import { AccountsService } from './accounts/accounts.service';
import { AuthGuard } from './auth.guard';
import { SessionsController } from './sessions.controller';
import { TokenService } from './token.service';

@Global()
@Module({
  controllers: [SessionsController],
  providers: [TokenService, AccountsService, PersonalDataProtector, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService, AccountsService],
})
export class AuthModule {}
