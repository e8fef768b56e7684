import { Module } from '@nestjs/common';
import { MinistryClient } from '../ministry/ministry-client';
import { PersonsModule } from '../persons/persons.module';
import { MINISTRY_INQUIRY } from './ministry-inquiry';
import { ComparisonController } from './comparison.controller';
import { ComparisonService } from './comparison.service';
import { RecordLinker } from './record-linker';
import { ReviewService } from './review.service';
import { ScoreService } from './score.service';

@Module({
  imports: [PersonsModule],
  controllers: [ComparisonController],
  providers: [ComparisonService, ReviewService, ScoreService, RecordLinker, { provide: MINISTRY_INQUIRY, useExisting: MinistryClient }],
  exports: [ComparisonService, ScoreService],
})
export class ComparisonModule {}
