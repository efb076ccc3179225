/**
 * How the rotation function changes credentials.
 */
export enum RotationStrategy {
  /**
   * The user changes its own password. Connections opened with the old password keep working,
   * new ones made with it fail from the moment the rotation sets the new one.
   */
  SINGLE_USER = 'single-user',
  /**
   * Two users take turns: `<username>` and `<username>_clone`. Each rotation gives the user that
   * is not current a new password, so the credentials clients hold stay valid until the next
   * rotation. A master secret's credentials create the clone and change its password.
   */
  ALTERNATING_USERS = 'alternating-users',
}
