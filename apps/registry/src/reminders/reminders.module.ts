import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PersonsModule } from '../persons/persons.module';
import { ExecuteRecipientCommandsHandler, ExecuteReminderCommandsHandler } from './reminder-aggregates';
import { ReminderCycle } from './reminder-cycle.service';
import { ReminderRules } from './reminder-rules.provider';
import { ReminderScheduler } from './reminder-scheduler';
import { RemindersController } from './reminders.controller';
import { RemindersService } from './reminders.service';

/**
 * Automatic reminders: rules from a validated file, a scheduled cycle that evaluates them over
 * the read models and records every reminder as events, the notification port that sends
 * them, opt-outs. Its read models (reminders, recipients) are in the projection catalogue.
 */
@Module({
  imports: [ScheduleModule.forRoot(), PersonsModule],
  controllers: [RemindersController],
  providers: [
    ReminderRules,
    ReminderCycle,
    ReminderScheduler,
    RemindersService,
    ExecuteReminderCommandsHandler,
    ExecuteRecipientCommandsHandler,
  ],
  exports: [ReminderCycle, ReminderRules],
})
export class RemindersModule {}
