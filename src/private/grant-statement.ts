/** One statement of a grant, in the shape `iam.Grant.addToPrincipal` takes. */
export interface GrantStatement {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}
