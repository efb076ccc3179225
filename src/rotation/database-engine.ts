/**
 * The database engines whose users RotatingDbSecret can rotate.
 */
export enum DatabaseEngine {
  /** PostgreSQL, including Amazon RDS for PostgreSQL and Aurora PostgreSQL. */
  POSTGRES = 'postgres',
  /** MySQL, including Amazon RDS for MySQL and Aurora MySQL. */
  MYSQL = 'mysql',
  /** MariaDB, including Amazon RDS for MariaDB. */
  MARIADB = 'mariadb',
}
