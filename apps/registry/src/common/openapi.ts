import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

export const API_TITLE = 'Provincial social-insurance registry (全民参保登记)';

/** The service's OpenAPI document, served at /docs-json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(API_TITLE)
      .setDescription(
        'Event-sourced person registry: registrations, enrolments and updates from source systems; ' +
          'coverage read models; imports; audit history. Every error is RFC 9457 `application/problem+json` ' +
          'with a stable `code`; each operation lists the statuses it answers.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  closeRequestBodies(document);
  return document;
}

/**
 * The validation pipe refuses fields a request DTO does not declare (UNKNOWN_FIELD), for
 * every body: the document says so, so clients and generators do not send them.
 * @nestjs/swagger has no class-level option for it, hence this pass over the body schemas.
 */
function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const closed = new Set<SchemaObject>();
  const close = (schema: SchemaObject | ReferenceObject | undefined): void => {
    const target = schema && '$ref' in schema ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    if (!target || '$ref' in target || closed.has(target)) return;
    closed.add(target);
    if (target.type === 'object' || target.properties) {
      target.additionalProperties = false;
      Object.values(target.properties ?? {}).forEach(close);
    }
    if (target.items) close(target.items);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch]) {
      const body = operation?.requestBody;
      if (!body || '$ref' in body) continue;
      Object.values(body.content).forEach((media) => close(media.schema));
    }
  }
}
