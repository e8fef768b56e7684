import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/** A 200 answer that is JSON of `dto` by default, or a file in one of `files` (CSV, XLSX, a chart) when asked for one. */
export function ApiJsonOrFiles(dto: Type<unknown>, description: string, ...files: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(dto),
    ApiOkResponse({
      description,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(dto) } },
        ...Object.fromEntries(files.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
      },
    }),
  );
}
