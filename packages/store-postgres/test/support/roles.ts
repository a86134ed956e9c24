/**
 * The SQL of the README's "A role per project", as the tests run it: keep the two alike.
 */
export function ownerSetupSql(database: string, owner: string, password: string): string {
  return `CREATE ROLE ${owner} LOGIN PASSWORD '${password}';
ALTER DATABASE ${database} OWNER TO ${owner};`;
}

/** Run by the owner once the first llm-service run has created the schema. */
export function usersGroupSql(database: string): string {
  return `CREATE ROLE llm_service_users NOLOGIN;
GRANT CONNECT ON DATABASE ${database} TO llm_service_users;
GRANT USAGE ON SCHEMA llm_service TO llm_service_users;
GRANT SELECT ON llm_service.schema_version, llm_service.meta TO llm_service_users;
GRANT SELECT, INSERT, UPDATE, DELETE ON llm_service.invocations, llm_service.reservations,
  llm_service.reservation_scopes, llm_service.plan_window_observations, llm_service.plan_window_latest,
  llm_service.tool_holds TO llm_service_users;`;
}

export function projectRoleSql(role: string, password: string, project: string): string {
  return `CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE llm_service_users;
INSERT INTO llm_service.project_roles (role_name, project) VALUES ('${role}', '${project}');`;
}
