import { Module } from '@nestjs/common';
import { PersonsModule } from '../persons/persons.module';
import { ExecuteSurveyCommandsHandler } from './execute-survey-commands';
import { SurveyTaskStreams } from './survey-aggregate';
import { SurveyBatches } from './survey-batches';
import { SurveyClock } from './survey-clock';
import { SurveyController } from './survey.controller';
import { SurveyProgressReport } from './survey-progress';
import { SurveyReactor } from './survey-reactor';
import { SurveyService } from './survey.service';

/**
 * The household survey (入户调查): survey tasks as an aggregate of their own, the routes that
 * create, assign, report and review them, the reaction that cancels tasks whose person
 * changed before the visit, and the progress report. Its projection is registered with the
 * others in projections/catalogue.ts.
 */
@Module({
  imports: [PersonsModule],
  controllers: [SurveyController],
  providers: [
    SurveyTaskStreams,
    ExecuteSurveyCommandsHandler,
    SurveyService,
    SurveyBatches,
    SurveyProgressReport,
    SurveyClock,
    SurveyReactor,
  ],
  exports: [SurveyTaskStreams, SurveyClock, SurveyReactor],
})
export class SurveyModule {}
