import { Global, Module } from '@nestjs/common';
import { PersonsModule } from '../persons/persons.module';
import { AnchorService } from './anchor.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { ReadRecorder } from './read-recorder';

/** Recording reads of personal data: used by every capability that shows persons. */
@Global()
@Module({ providers: [ReadRecorder], exports: [ReadRecorder] })
export class AuditRecordingModule {}

/** The audit trail, the hash chain's anchors and verification, replays of read models. */
@Module({
  imports: [PersonsModule],
  controllers: [AuditController],
  providers: [AuditService, AnchorService],
  exports: [AuditService, AnchorService],
})
export class AuditModule {}
