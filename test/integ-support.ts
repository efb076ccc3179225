/** What the integ apps import: the library's public API and the contract values they assert. */
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';

export * from '../src';
export { PLACEHOLDER_VALUE as PLACEHOLDER_VALUE_FOR_TESTS } from '../src/parameter-tree/private/contract';

/**
 * An app whose committed snapshot holds no stack traces: they name the files of the machine that
 * synthesized it, so every snapshot update would change them and leak local paths.
 */
export function integApp(): App {
  return new App({
    stackTraces: false,
    context: { [cxapi.DISABLE_CREATION_STACK_TRACES]: true },
  });
}
