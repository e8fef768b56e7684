import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { diskStorage } from 'multer';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { PersonsModule } from '../persons/persons.module';
import { ImportService } from './import.service';
import { ImportsController } from './imports.controller';

@Module({
  imports: [
    PersonsModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const dir = join(config.DATA_DIR, 'uploads');
        mkdirSync(dir, { recursive: true });
        // Uploads go to disk (memory stays flat) under a random name: the original name is never a path.
        return {
          storage: diskStorage({ destination: dir, filename: (_req, _file, cb) => cb(null, `${randomUUID()}.upload`) }),
          limits: { fileSize: config.IMPORT_MAX_BYTES, files: 1, fields: 10 },
          // Browsers send a file's name as raw UTF-8 in filename="…" (RFC 7578 §4.2); busboy would
          // read those bytes as Latin-1 and a department's 户籍.csv would come out as mojibake.
          defParamCharset: 'utf8',
        };
      },
    }),
  ],
  controllers: [ImportsController],
  providers: [ImportService],
  exports: [ImportService],
})
export class ImportsModule {}
