import { openDatabase } from "../../lib/db/client";
import { migrateDatabase } from "../../lib/db/migrate";
import { users, type Role } from "../../lib/db/schema";
import { hashPassword } from "../../lib/security/passwords";

export interface SeededUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
}

const PEOPLE: { role: Role; name: string }[] = [
  { role: "ADMIN", name: "Alice Admin" },
  { role: "DEVELOPER", name: "Dev Dana" },
  { role: "VIEWER", name: "Vic Viewer" },
  { role: "GUEST", name: "Gus Guest" },
];

/** Migrate a fresh database and write one user per role straight into it, before the server starts. */
export async function seedDatabase(target: { url?: string; dataDir?: string }): Promise<Record<Role, SeededUser>> {
  const handle = await openDatabase(target);
  try {
    await migrateDatabase(handle);
    const password = "e2e password 1234";
    const passwordHash = await hashPassword(password);
    const seeded = {} as Record<Role, SeededUser>;
    for (const person of PEOPLE) {
      const email = `${person.role.toLowerCase()}@e2e.example.com`;
      const [row] = await handle.db.insert(users).values({ email, name: person.name, role: person.role, passwordHash }).returning({ id: users.id });
      seeded[person.role] = { id: row.id, email, name: person.name, role: person.role, password };
    }
    return seeded;
  } finally {
    await handle.close();
  }
}
