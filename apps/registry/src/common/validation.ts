import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; code: string; message: string }> {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      code: constraint === 'whitelistValidation' ? 'UNKNOWN_FIELD' : constraint.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
      message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * DTO validation for every endpoint: unknown fields are refused, values are converted to
 * the declared types, and failures become one problem with a list of field errors.
 * class-validator's default messages name the field and the rule, never the value.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'The request has invalid or unknown fields.', {
        errors: flatten(errors),
      }),
  });
}
