/** A request the API refuses: answered with status 400 and a message that names the parameter. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  readonly parameter: string;

  constructor(parameter: string, problem: string) {
    super(`${parameter}: ${problem}`);
    this.parameter = parameter;
  }
}

/** Something asked for does not exist (a client id, a page): status 404. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly error: string;
  readonly parameter?: string;
}
