import { Module, OnModuleInit } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { PersonalDataProtector } from '../privacy/personal-data';
import { registryProjections } from '../projections/catalogue';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { ExecutePersonCommandsHandler } from './execute-person-commands';
import { PersonStreams } from './person-aggregate';
import { PersonsController } from './persons.controller';
import { PersonsService } from './persons.service';
import { ReportsController } from './reports.controller';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ throttlers: [{ name: 'lookup', ttl: 60_000, limit: config.LOOKUP_RATE_LIMIT }] }),
    }),
  ],
  controllers: [PersonsController, ReportsController],
  providers: [PersonStreams, PersonsService, ExecutePersonCommandsHandler, PersonalDataProtector],
  exports: [PersonStreams, PersonsService, PersonalDataProtector],
})
export class PersonsModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly protector: PersonalDataProtector,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    for (const projection of registryProjections(this.protector, this.reference.provinceCode, this.config.AUDIT_HASH_ALGORITHM)) {
      this.projections.register(projection);
    }
  }
}
