/**
 * Base of every business-rule rejection thrown by the domain. The application maps
 * `code` to a problem+json response; messages are English and never carry personal data.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
