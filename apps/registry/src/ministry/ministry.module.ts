import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module';
import { PersonsModule } from '../persons/persons.module';
import { ExchangeLease } from './exchange-lease';
import { ExchangeStateStore } from './exchange-state';
import { MinistryClient } from './ministry-client';
import { MinistryController } from './ministry.controller';
import { MinistryExchangeService } from './ministry-exchange.service';
import { MinistryInteractionsService } from './ministry-interactions.service';
import { MinistryScheduler } from './ministry-scheduler';
import { MinistryUploadService } from './ministry-upload.service';

/**
 * The ministry exchange (docs/ministry-interface.md): the client (also used by the
 * comparison run's inquiry), the periodic upload, the interaction download and their
 * state. Global so that /health and the comparison capability can inject its services
 * without importing it.
 */
@Global()
@Module({
  imports: [ScheduleModule.forRoot(), PersonsModule, AuditModule],
  controllers: [MinistryController],
  providers: [
    MinistryClient,
    ExchangeStateStore,
    ExchangeLease,
    MinistryUploadService,
    MinistryInteractionsService,
    MinistryExchangeService,
    MinistryScheduler,
  ],
  exports: [MinistryClient, MinistryUploadService, MinistryInteractionsService, MinistryExchangeService],
})
export class MinistryModule {}
