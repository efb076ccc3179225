/** What the integ apps import: the library's public API and the contract values they assert. */
export * from '../src';
export { PLACEHOLDER_VALUE as PLACEHOLDER_VALUE_FOR_TESTS } from '../src/parameter-tree/private/contract';
